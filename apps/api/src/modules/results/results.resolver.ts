import { Arg, Authorized, Mutation, Resolver } from 'type-graphql';
import { StudyType } from '../study/study.type';
import { ImportResultsInput } from './dtos/import-results.input';
import { type ResultsService } from './results.service';
import { ImportSummaryType } from './results.type';

@Resolver()
export class ResultsResolver {
  constructor(private readonly results: ResultsService) {}

  @Authorized('writer')
  @Mutation(() => StudyType, { description: 'Creates an empty study (writer).' })
  createStudy(@Arg('name') name: string, @Arg('description', { defaultValue: '' }) description: string): Promise<StudyType> {
    return this.results.createStudy(name, description);
  }

  @Authorized('writer')
  @Mutation(() => ImportSummaryType, { description: 'Imports results files into a study, all or nothing, idempotently (writer).' })
  importResults(@Arg('input', () => ImportResultsInput) input: ImportResultsInput): Promise<ImportSummaryType> {
    return this.results.importResults(input);
  }
}
