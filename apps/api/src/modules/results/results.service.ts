import { importLongResults, importStudyResults, Study, type ImportSummary } from '@transferscope/db';
import { type DataSource } from 'typeorm';
import { ResultsFormat, type CsvUpload } from './dtos/import-results.input';
import { ResultsError } from './results.error';

const STUDY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;

export interface ImportRequest {
  study: string;
  format: ResultsFormat;
  performances?: CsvUpload | null;
  scores?: CsvUpload | null;
  file?: CsvUpload | null;
}

/** Writes: new studies, and results files imported through the same transactional importers as the CLI. */
export class ResultsService {
  constructor(
    private readonly dataSource: DataSource,
    /** Largest file accepted, in bytes of UTF-8. */
    private readonly maxUploadBytes: number,
  ) {}

  async createStudy(name: string, description: string): Promise<Study> {
    if (!STUDY_NAME.test(name)) throw new ResultsError('INVALID_STUDY_NAME', `study name "${name.slice(0, 40)}" is not valid (letters, digits and _ . + - only, at most 128 characters)`);
    const repository = this.dataSource.getRepository(Study);
    if (await repository.exists({ where: { name } })) throw new ResultsError('STUDY_EXISTS', `a study named "${name}" exists already`);
    return repository.save(repository.create({ name, description, origin: 'computed' }));
  }

  importResults(request: ImportRequest): Promise<ImportSummary> {
    if (request.format === ResultsFormat.LONG) {
      const file = this.checked('file', request.file);
      return importLongResults(this.dataSource, request.study, file);
    }
    const performances = this.checked('performances', request.performances);
    const scores = this.checked('scores', request.scores);
    return importStudyResults(this.dataSource, request.study, { performances, scores });
  }

  private checked(field: string, upload: CsvUpload | null | undefined): { name: string; text: string } {
    if (!upload) throw new ResultsError('MISSING_FILE', `this format needs the \`${field}\` file`);
    const bytes = Buffer.byteLength(upload.text, 'utf8');
    if (bytes > this.maxUploadBytes) {
      throw new ResultsError('UPLOAD_TOO_LARGE', `${upload.name}: ${bytes} bytes exceeds the upload limit of ${this.maxUploadBytes} bytes; import it with the CLI instead`);
    }
    return { name: upload.name, text: upload.text };
  }
}
