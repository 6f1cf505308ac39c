import { Field, Float, Int, ObjectType } from 'type-graphql';
import { CorrelationMethod } from './correlation-method.enum';

@ObjectType({ description: 'How well one score ranked the models of one dataset in one study (or of several, see `groupBy`).' })
export class Correlation {
  @Field({ description: 'Study name; `*` when the row spans studies (`groupBy: NONE`).' })
  study!: string;

  @Field({ description: 'Dataset name; `*` when the row spans datasets (`groupBy: STUDY | NONE`).' })
  dataset!: string;

  @Field({ description: 'Metric id; the baselines are `imagenet_top1` and `parameter_count` (see `baseline`).' })
  metric!: string;

  @Field(() => CorrelationMethod)
  method!: CorrelationMethod;

  @Field()
  performance!: string;

  @Field({ description: 'How the performance was obtained: `linear-probe`, `finetune` or `imported`.' })
  protocol!: string;

  @Field({ description: 'The split the score was computed on (`train` in the study\'s protocol); empty for baselines.' })
  scoreSplit!: string;

  @Field({ description: 'For a pool-relative metric, the model pool its values are relative to; empty otherwise.' })
  pool!: string;

  @Field({ description: 'True for a pool-relative metric: the value compares models only within `pool`.' })
  poolRelative!: boolean;

  @Field({ description: 'True for a static baseline ranker (ImageNet top-1 accuracy, parameter count) rather than a score.' })
  baseline!: boolean;

  @Field(() => Float, {
    nullable: true,
    description:
      'The coefficient (or selection measure); null when undefined (too few models, constant scores or performances). ' +
      'Scores of lower-is-better metrics are negated first, so a positive correlation always means the score ranks well.',
  })
  value!: number | null;

  @Field(() => Float, { nullable: true, description: 'Two-sided p-value (KENDALL_TAU_B, SPEARMAN, PEARSON on one dataset); null otherwise.' })
  pValue!: number | null;

  @Field(() => Int, { description: 'Number of models with both a score and the performance measure (summed over datasets for pooled rows).' })
  n!: number;

  @Field(() => Int, { description: 'Number of (study, dataset) groups in the row.' })
  groups!: number;

  @Field(() => Float, { nullable: true, description: 'Lower bound of the bootstrap interval; null without `bootstrap` or when every resample was undefined.' })
  ciLow!: number | null;

  @Field(() => Float, { nullable: true })
  ciHigh!: number | null;

  @Field(() => Float, { nullable: true, description: 'Confidence level of the interval.' })
  ciLevel!: number | null;

  @Field(() => Int, { nullable: true, description: 'Seed of the bootstrap that gave the interval (repeat it to get the same interval).' })
  seed!: number | null;

  @Field(() => Int, { nullable: true, description: 'Resamples whose value was undefined and left out of the interval.' })
  rejectedResamples!: number | null;
}

@ObjectType({ description: 'One model\'s score and performance on one dataset: a point of a correlation\'s scatter plot.' })
export class CorrelationPair {
  @Field()
  study!: string;

  @Field()
  dataset!: string;

  @Field()
  metric!: string;

  @Field()
  model!: string;

  @Field()
  protocol!: string;

  @Field(() => Float, { description: 'The score as stored (lower-is-better scores are not negated here).' })
  score!: number;

  @Field(() => Float)
  performance!: number;

  @Field()
  baseline!: boolean;
}
