import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where a page ends; pass `endCursor` as `after` for the next one.' })
export class PageInfo {
  @Field(() => String, { nullable: true })
  endCursor!: string | null;

  @Field()
  hasNextPage!: boolean;
}

@ObjectType('SourceModel', { description: 'A pretrained model that is transferred.' })
export class SourceModelType {
  @Field()
  id!: string;

  @Field()
  architecture!: string;

  @Field()
  sourceDataset!: string;

  @Field(() => Float, { nullable: true, description: 'Number of parameters (a baseline ranker).' })
  parameterCount!: number | null;

  @Field(() => Float, { nullable: true, description: 'ImageNet-1k top-1 accuracy in [0, 1] (a baseline ranker).' })
  imagenetTop1!: number | null;

  @Field(() => String, { nullable: true, description: 'sha256 over the weight files; null for models known only by name.' })
  weightsHash!: string | null;

  @Field(() => GraphQLJSONObject, { description: 'Free-form facts (licence, format, feature dimension).' })
  metadata!: Record<string, unknown>;
}

@ObjectType('Score', { description: 'One transferability score of one model on one dataset in one study.' })
export class ScoreType {
  @Field(() => Int)
  id!: number;

  @Field()
  study!: string;

  @Field()
  dataset!: string;

  @Field()
  model!: string;

  @Field()
  metric!: string;

  @Field()
  split!: string;

  @Field()
  pool!: string;

  @Field({ description: '`ok`, `skipped` or `failed`.' })
  status!: string;

  @Field(() => Float, { nullable: true })
  value!: number | null;

  @Field(() => String, { nullable: true, description: 'Why a score was skipped or failed.' })
  reason!: string | null;

  @Field(() => Float, { nullable: true })
  seconds!: number | null;
}

@ObjectType('Evaluation', { description: 'One measured transfer performance.' })
export class EvaluationType {
  @Field(() => Int)
  id!: number;

  @Field()
  study!: string;

  @Field()
  dataset!: string;

  @Field()
  model!: string;

  @Field()
  split!: string;

  @Field()
  protocol!: string;

  @Field()
  measure!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Int, { nullable: true })
  trialId!: number | null;
}

@ObjectType('TrialEpoch', { description: 'One epoch of a trial\'s learning curve.' })
export class TrialEpochType {
  @Field(() => Int)
  epoch!: number;

  @Field(() => Float)
  learningRate!: number;

  @Field(() => Float)
  trainLoss!: number;

  @Field(() => Float)
  valLoss!: number;

  @Field(() => Float, { nullable: true })
  trainBalancedAccuracy!: number | null;

  @Field(() => Float)
  valBalancedAccuracy!: number;
}

@ObjectType('Trial', { description: 'One hyper-parameter trial of transferring a model to a dataset.' })
export class TrialType {
  @Field(() => Int)
  id!: number;

  @Field()
  study!: string;

  @Field()
  dataset!: string;

  @Field()
  model!: string;

  @Field()
  protocol!: string;

  @Field(() => Int)
  haltonIndex!: number;

  @Field(() => Int)
  seed!: number;

  @Field(() => GraphQLJSONObject)
  hyperParameters!: Record<string, unknown>;

  @Field()
  status!: string;

  @Field(() => Int, { nullable: true })
  bestEpoch!: number | null;

  @Field(() => Float, { nullable: true })
  valLoss!: number | null;

  @Field(() => Float, { nullable: true })
  valBalancedAccuracy!: number | null;
}

@ObjectType()
export class ScoreConnection {
  @Field(() => [ScoreType])
  nodes!: ScoreType[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class EvaluationConnection {
  @Field(() => [EvaluationType])
  nodes!: EvaluationType[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class TrialConnection {
  @Field(() => [TrialType])
  nodes!: TrialType[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
