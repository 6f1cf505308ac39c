import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Rows an import inserted, updated (a value changed) or found unchanged.' })
export class RowCountsType {
  @Field(() => Int)
  inserted!: number;

  @Field(() => Int)
  updated!: number;

  @Field(() => Int)
  unchanged!: number;
}

@ObjectType({ description: 'What an import wrote (all or nothing: a rejected file writes nothing).' })
export class ImportSummaryType {
  @Field()
  study!: string;

  @Field()
  studyCreated!: boolean;

  @Field(() => RowCountsType)
  scores!: RowCountsType;

  @Field(() => RowCountsType)
  evaluations!: RowCountsType;

  @Field(() => [String])
  datasets!: string[];

  @Field(() => [String])
  models!: string[];

  @Field(() => [String])
  metrics!: string[];
}
