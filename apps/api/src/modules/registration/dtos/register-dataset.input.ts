import { Field, InputType, Int } from 'type-graphql';
import { DatasetRoleFilter } from '../../correlation/correlation-options.enum';

@InputType({ description: 'A dataset definition to create or update (by `name`). Optional fields left out keep their stored values.' })
export class RegisterDatasetInput {
  @Field({ description: 'Unique name: letters, digits and _ . + - (at most 128 characters), as results files name it.' })
  name!: string;

  @Field(() => DatasetRoleFilter, { description: 'ID: fine-tuned on; OOD: only evaluates the models tuned on its `idDataset`.' })
  role!: DatasetRoleFilter;

  @Field(() => String, { nullable: true, description: 'For an OOD dataset, the name of its (registered) ID partner; refused for an ID dataset.' })
  idDataset?: string | null;

  @Field(() => String, { nullable: true, description: 'What is classified, e.g. "brain tumor MRI (4 classes)"; at most 500 characters.' })
  task?: string | null;

  @Field(() => String, { nullable: true, description: 'Where the data comes from: citation, URL, licence; at most 2,000 characters.' })
  source?: string | null;

  @Field(() => [String], { nullable: true, description: 'Class names indexed by label id: non-empty, distinct, at least 2.' })
  classNames?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Number of classes (>= 2); must equal the length of `classNames` when both are given.' })
  numClasses?: number | null;

  @Field(() => String, { nullable: true, description: 'sha256 (64 lowercase hex digits) of the dataset\'s manifests (content and label ids).' })
  manifestHash?: string | null;
}
