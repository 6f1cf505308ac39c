import { Arg, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { type StudyService } from './study.service';
import { DatasetType, MetricType, StudyProgressType, StudyType } from './study.type';

@Resolver(() => StudyType)
export class StudyResolver {
  constructor(private readonly studyService: StudyService) {}

  @Query(() => [StudyType], { description: 'Every study, by name.' })
  studies(): Promise<StudyType[]> {
    return this.studyService.list();
  }

  @Query(() => StudyProgressType, { nullable: true, description: 'Progress of a (running) study, for polling: trials and scores by status. Null for an unknown study.' })
  studyProgress(@Arg('study') study: string): Promise<StudyProgressType | null> {
    return this.studyService.progress(study);
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
