import { FieldResolver, Resolver, Root } from 'type-graphql';
import { StudyProgressType } from '../study/study.type';
import { type UnitProgressService } from './unit-progress.service';
import { UnitProgressType } from './unit-progress.type';

@Resolver(() => StudyProgressType)
export class UnitProgressResolver {
  constructor(private readonly unitProgress: UnitProgressService) {}

  @FieldResolver(() => UnitProgressType, {
    nullable: true,
    description:
      'Units done / total, for a progress bar: poll `studyProgress` every few seconds while a study runs. Null for imported ' +
      'studies and for computed ones recorded before plans were stored (running the study again records its plan).',
  })
  units(@Root() progress: StudyProgressType): Promise<UnitProgressType | null> {
    return this.unitProgress.units(progress.study);
  }
}
