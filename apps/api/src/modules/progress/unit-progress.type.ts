import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('UnitKindProgress', { description: 'Units of one kind: recorded and planned.' })
export class UnitKindProgressType {
  @Field({ description: '`extract` (features of a model on a dataset pair), `score`, `trial`, `evaluate` or `pool`.' })
  kind!: string;

  @Field(() => Int)
  done!: number;

  @Field(() => Int)
  total!: number;
}

@ObjectType('UnitProgress', {
  description:
    'A computed study\'s units of work, done (their rows are recorded) out of planned, counted from the results tables by the ' +
    'rules the compute coordinator uses to decide that a unit is complete.',
})
export class UnitProgressType {
  @Field(() => Int)
  done!: number;

  @Field(() => Int)
  total!: number;

  @Field(() => [UnitKindProgressType], { description: 'Per kind, in the order units become runnable.' })
  byKind!: UnitKindProgressType[];
}
