import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('Study', { description: 'A named body of results: a paper\'s published numbers, or one run of a study definition.' })
export class StudyType {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field()
  description!: string;

  @Field({ description: '`imported` (published results) or `computed` (run by Transferscope).' })
  origin!: string;

  @Field()
  createdAt!: Date;
}

@ObjectType('Dataset')
export class DatasetType {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field()
  task!: string;

  @Field({ description: 'Where the data comes from (citation, URL, licence); empty when unknown.' })
  source!: string;

  @Field(() => Int, { nullable: true })
  numClasses!: number | null;

  @Field(() => [String], { nullable: true, description: 'Class names indexed by label id, where known.' })
  classNames!: string[] | null;

  @Field({ description: '`ID` (in-distribution) or `OOD` (out-of-distribution).' })
  role!: string;

  @Field(() => Int, { nullable: true, description: 'For an OOD dataset, the id of the ID dataset it shifts from.' })
  idDatasetId!: number | null;

  @Field(() => String, { nullable: true })
  manifestHash!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Summary of the latest audit (duplicates, leakage verdicts, class counts).' })
  audit!: Record<string, unknown> | null;
}

@ObjectType('Metric')
export class MetricType {
  @Field()
  id!: string;

  @Field()
  variant!: string;

  @Field()
  version!: string;

  @Field({ description: '`higher` or `lower` is better.' })
  direction!: string;

  @Field()
  poolRelative!: boolean;

  @Field(() => [String], { description: 'Inputs the metric needs (`features`, `sourceProbabilities`, ...).' })
  requiredInputs!: string[];

  @Field()
  paper!: string;
}

@ObjectType('StudyProgress', { description: 'How far a study has got, for polling while it runs: trials by status and scores by status.' })
export class StudyProgressType {
  @Field()
  study!: string;

  @Field(() => Int, { description: 'Trials planned or run.' })
  trialsTotal!: number;

  @Field(() => Int)
  trialsDone!: number;

  @Field(() => Int)
  trialsRunning!: number;

  @Field(() => Int)
  trialsFailed!: number;

  @Field(() => Int, { description: 'Scores stored (any status).' })
  scoresTotal!: number;

  @Field(() => Int)
  scoresFailed!: number;

  @Field(() => Int)
  scoresSkipped!: number;

  @Field(() => Int, { description: 'Evaluations stored.' })
  evaluations!: number;
}
