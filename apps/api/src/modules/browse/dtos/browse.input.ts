import { ArrayMaxSize, MaxLength } from 'class-validator';
import { Field, InputType, registerEnumType } from 'type-graphql';

export enum ResultOrder {
  ID_ASC = 'ID_ASC',
  ID_DESC = 'ID_DESC',
  /** By value (rows without a value left out), ties by id. */
  VALUE_ASC = 'VALUE_ASC',
  VALUE_DESC = 'VALUE_DESC',
}

registerEnumType(ResultOrder, { name: 'ResultOrder', description: 'Sort order of a page; VALUE_* leaves out rows without a value.' });

@InputType({ description: 'Narrows a list of results; omitted fields mean all.' })
export class ResultFilter {
  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  studies?: string[];

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  datasets?: string[];

  @Field(() => [String], { nullable: true })
  @ArrayMaxSize(10000)
  @MaxLength(256, { each: true })
  models?: string[];

  @Field(() => [String], { nullable: true, description: 'Metric ids (scores) or measures (evaluations); ignored by trials.' })
  @ArrayMaxSize(1000)
  @MaxLength(128, { each: true })
  metrics?: string[];
}
