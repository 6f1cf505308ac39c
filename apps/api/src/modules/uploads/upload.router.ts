import { ImportError } from '@transferscope/db';
import express from 'express';
import { GraphQLError } from 'graphql';
import { type ApiContext, ROLE_RANK } from '../../server/context';
import { ResultsFormat, type CsvUpload } from '../results/dtos/import-results.input';
import { ResultsError } from '../results/results.error';
import { type ResultsService } from '../results/results.service';
import { readMultipartForm } from './multipart-form';
import { UPLOAD_ERROR_STATUS, UploadError } from './upload.error';

export interface UploadRouterOptions {
  results: ResultsService;
  /** The same check `/graphql` makes: the caller of a request, or a GraphQLError with code UNAUTHENTICATED. */
  authenticate(header: string | undefined): Promise<ApiContext['caller']>;
  /** Largest file accepted, in bytes. */
  maxUploadBytes: number;
}

const FILE_FIELDS = ['performances', 'scores', 'file'] as const;
const TEXT_FIELDS = ['study', 'format'] as const;
/** Room for the multipart framing and the text fields around two files at the limit. */
const FRAMING_BYTES = 64 * 1024;

interface ErrorBody {
  errors: { message: string; extensions: Record<string, unknown> }[];
}

/**
 * `POST /import`: results files as a `multipart/form-data` upload (writer role), for clients that hold files rather
 * than strings: `study`, `format` (`STUDY_RESULTS` or `LONG`; by default what the files imply), and the files `performances` + `scores` or `file`.
 * The files go through the same importers as `transferscope import` and the `importResults` mutation: all or
 * nothing, idempotent, rejections naming `file:line`. Answers the import summary as JSON, or `{ errors: [...] }`
 * shaped like a GraphQL error (`extensions.code`, and `file`/`line` for IMPORT_REJECTED).
 *
 * CSRF: a browser can post a cross-site form here without a preflight, but not with an `Authorization` header, and
 * every import needs a writer's bearer token (anonymous callers never write), so such a form is refused with 401.
 */
export function createUploadRouter(options: UploadRouterOptions): express.Router {
  const router = express.Router();
  router.post('/', async (request, response) => {
    let status = 200;
    let body: unknown;
    try {
      await authorise(options, request.headers.authorization);
      // Refuse a body that cannot fit before reading it; one that lies about its length is held by the file limit.
      const declared = Number(request.headers['content-length']);
      const ceiling = 2 * options.maxUploadBytes + FRAMING_BYTES;
      if (Number.isFinite(declared) && declared > ceiling) {
        throw new UploadError('UPLOAD_TOO_LARGE', `the request body of ${declared} bytes exceeds the upload limit (${options.maxUploadBytes} bytes per file); import it with the CLI instead`);
      }
      const form = await readMultipartForm(request, { maxFileBytes: options.maxUploadBytes, fileFields: FILE_FIELDS, textFields: TEXT_FIELDS });
      const study = form.fields.get('study');
      if (study === undefined) throw new UploadError('BAD_UPLOAD_FIELD', 'the field "study" is missing (the study to import into)');
      // Without a `format` field, the files say which: `file` alone is the long format.
      const format = form.fields.get('format') ?? (form.files.has('file') ? ResultsFormat.LONG : ResultsFormat.STUDY_RESULTS);
      if (format !== ResultsFormat.STUDY_RESULTS && format !== ResultsFormat.LONG) {
        throw new UploadError('BAD_UPLOAD_FIELD', `the field "format" is "${format.slice(0, 40)}"; expected STUDY_RESULTS or LONG`);
      }
      const expected = format === ResultsFormat.LONG ? ['file'] : ['performances', 'scores'];
      const stray = [...form.files.keys()].filter((field) => !expected.includes(field));
      if (stray.length > 0) throw new UploadError('BAD_UPLOAD_FIELD', `format ${format} takes the file${expected.length > 1 ? 's' : ''} ${expected.join(' and ')}, not ${stray.join(', ')}`);
      const text = (field: string): CsvUpload | null => {
        const file = form.files.get(field);
        return file ? { name: file.name, text: decodeUtf8(file.name, file.bytes) } : null;
      };
      body = await options.results.importResults({ study, format, performances: text('performances'), scores: text('scores'), file: text('file') });
    } catch (error) {
      [status, body] = errorAnswer(error);
    }
    // The body may still be arriving when the request is refused early; drain it so the answer is read, not reset.
    if (!request.complete) request.resume();
    response.status(status).json(body);
  });
  return router;
}

async function authorise(options: UploadRouterOptions, header: string | undefined): Promise<void> {
  const caller = await options.authenticate(header);
  if (caller.role === 'anonymous') {
    throw new GraphQLError('import needs a token with the writer role (send Authorization: Bearer <token>)', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
  }
  if (ROLE_RANK[caller.role] < ROLE_RANK.writer) {
    throw new GraphQLError(`import needs the writer role; this token has the ${caller.role} role`, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
  }
}

/** The CLI reads files as strict UTF-8; an upload is held to the same rule. */
function decodeUtf8(name: string, bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ImportError(name, null, 'is not valid UTF-8 text');
  }
}

function errorAnswer(error: unknown): [number, ErrorBody] {
  const answer = (status: number, message: string, extensions: Record<string, unknown>): [number, ErrorBody] => [status, { errors: [{ message, extensions }] }];
  if (error instanceof GraphQLError) {
    const { http, ...extensions } = error.extensions as { http?: { status?: number } };
    return answer(http?.status ?? 400, error.message, extensions);
  }
  if (error instanceof UploadError) return answer(UPLOAD_ERROR_STATUS[error.code], error.message, { code: error.code });
  if (error instanceof ResultsError) return answer(error.code === 'UPLOAD_TOO_LARGE' ? 413 : 400, error.message, { code: error.code });
  if (error instanceof ImportError) return answer(400, error.message, { code: error.code, file: error.file, line: error.line });
  // Anything else may carry SQL or paths: the client gets a code, the server log the details.
  console.error('POST /import failed:', error);
  return answer(500, 'Internal server error', { code: 'INTERNAL_SERVER_ERROR' });
}
