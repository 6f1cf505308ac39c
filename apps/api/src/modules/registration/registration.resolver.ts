import { Arg, Authorized, Mutation, Resolver } from 'type-graphql';
import { SourceModelType } from '../browse/browse.type';
import { DatasetType } from '../study/study.type';
import { RegisterDatasetInput } from './dtos/register-dataset.input';
import { RegisterModelInput } from './dtos/register-model.input';
import { type RegistrationService } from './registration.service';

@Resolver()
export class RegistrationResolver {
  constructor(private readonly registration: RegistrationService) {}

  @Authorized('writer')
  @Mutation(() => DatasetType, { description: 'Creates or updates a dataset definition: role, OOD partner, classes, task, source (writer).' })
  registerDataset(@Arg('input', () => RegisterDatasetInput) input: RegisterDatasetInput): Promise<DatasetType> {
    return this.registration.registerDataset(input);
  }

  @Authorized('writer')
  @Mutation(() => SourceModelType, { description: 'Creates or updates a source model definition: architecture, pretraining data, size, ImageNet top-1, weights hash (writer).' })
  registerModel(@Arg('input', () => RegisterModelInput) input: RegisterModelInput): Promise<SourceModelType> {
    return this.registration.registerModel(input);
  }
}
