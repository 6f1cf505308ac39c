import { Max, Min } from 'class-validator';
import { Field, Float, InputType, Int } from 'type-graphql';
import { BootstrapIntervalKind } from '../correlation-options.enum';

/** Asks for a bootstrap confidence interval on every row (models resampled with replacement within each dataset). */
@InputType({ description: 'Bootstrap confidence interval: models resampled with replacement within each dataset.' })
export class BootstrapInput {
  @Field(() => Int, { description: 'Number of resamples (1 to 10,000; resamples x rows is capped per request).' })
  @Min(1)
  @Max(10_000)
  resamples!: number;

  @Field(() => Int, { nullable: true, description: 'PRNG seed; the same seed gives the same interval. Omitted: a random seed, reported in `seed`.' })
  @Min(0)
  @Max(2 ** 31 - 1)
  seed?: number;

  @Field(() => BootstrapIntervalKind, { defaultValue: BootstrapIntervalKind.PERCENTILE })
  interval!: BootstrapIntervalKind;

  @Field(() => Float, { defaultValue: 0.95, description: 'Confidence level in (0, 1).' })
  @Min(0.5)
  @Max(0.999)
  level!: number;
}
