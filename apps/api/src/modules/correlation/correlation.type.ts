import { Field, Float, Int, ObjectType } from 'type-graphql';
import { CorrelationMethod } from './correlation-method.enum';

@ObjectType({ description: 'How well one score ranked the models of one dataset in one study.' })
export class Correlation {
  @Field()
  study!: string;

  @Field()
  dataset!: string;

  @Field()
  metric!: string;

  @Field(() => CorrelationMethod)
  method!: CorrelationMethod;

  @Field()
  performance!: string;

  @Field(() => Float, { nullable: true, description: 'The coefficient; null when undefined (fewer than 2 models, or constant scores or performances).' })
  value!: number | null;

  @Field(() => Float, { nullable: true })
  pValue!: number | null;

  @Field(() => Int, { description: 'Number of models with both a score and the performance measure.' })
  n!: number;
}
