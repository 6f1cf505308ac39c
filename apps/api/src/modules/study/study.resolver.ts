import { FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { type StudyService } from './study.service';
import { DatasetType, MetricType, StudyType } from './study.type';

@Resolver(() => StudyType)
export class StudyResolver {
  constructor(private readonly studyService: StudyService) {}

  @Query(() => [StudyType], { description: 'Every study, by name.' })
  studies(): Promise<StudyType[]> {
    return this.studyService.list();
  }

  @FieldResolver(() => [DatasetType])
  datasets(@Root() study: StudyType): Promise<DatasetType[]> {
    return this.studyService.datasetsOf(study.id);
  }

  @FieldResolver(() => [MetricType])
  metrics(@Root() study: StudyType): Promise<MetricType[]> {
    return this.studyService.metricsOf(study.id);
  }
}
