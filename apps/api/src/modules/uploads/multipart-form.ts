import busboy from 'busboy';
import { type IncomingMessage } from 'node:http';
import { basename } from 'node:path';
import { UploadError } from './upload.error';

/** One uploaded file, held in memory (never more than the limit plus one byte). */
export interface UploadedFile {
  /** The client's file name without directories: it names the file in error messages (`file:line: reason`). */
  name: string;
  bytes: Buffer;
}

export interface MultipartForm {
  fields: Map<string, string>;
  files: Map<string, UploadedFile>;
}

export interface MultipartLimits {
  /** Largest file accepted, in bytes. */
  maxFileBytes: number;
  /** Field names that may carry a file; any other file part is refused. */
  fileFields: readonly string[];
  /** Field names that may carry text; any other text part is refused. */
  textFields: readonly string[];
}

/** Longest text field (study names are at most 128 characters; formats are short words). */
const MAX_FIELD_BYTES = 1024;

/**
 * Reads a `multipart/form-data` request into memory, holding every file to `maxFileBytes`. A file over the limit is
 * not kept: the rest of the body is read and dropped (so the client receives the answer instead of a reset
 * connection), then the form is refused with UPLOAD_TOO_LARGE naming the file. busboy parses the stream; nothing of
 * the body touches the disk.
 */
export function readMultipartForm(request: IncomingMessage, limits: MultipartLimits): Promise<MultipartForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: {
          // busboy emits `limit` (and truncates) once a file reaches this size: one byte over the largest allowed.
          fileSize: limits.maxFileBytes + 1,
          files: limits.fileFields.length,
          fields: limits.textFields.length,
          fieldSize: MAX_FIELD_BYTES,
          parts: limits.fileFields.length + limits.textFields.length,
        },
      });
    } catch {
      // busboy throws on a missing boundary or another content type.
      reject(new UploadError('NOT_MULTIPART', 'send the files as multipart/form-data (e.g. curl -F performances=@task_performances.csv ...)'));
      return;
    }
    const form: MultipartForm = { fields: new Map(), files: new Map() };
    // The first problem found; parsing continues to the end of the body so the answer can be delivered.
    let problem: UploadError | null = null;
    const fail = (error: UploadError) => {
      problem ??= error;
    };
    const pending: Promise<void>[] = [];

    parser.on('file', (field, stream, info) => {
      const name = basename(info.filename || field).slice(0, 256) || field;
      if (!limits.fileFields.includes(field)) {
        fail(new UploadError('BAD_UPLOAD_FIELD', `unexpected file field "${field.slice(0, 40)}" (expected ${limits.fileFields.join(' or ')})`));
        stream.resume();
        return;
      }
      if (form.files.has(field)) fail(new UploadError('BAD_UPLOAD_FIELD', `the file field "${field}" appears twice`));
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new UploadError('UPLOAD_TOO_LARGE', `${name}: more than ${limits.maxFileBytes} bytes exceeds the upload limit of ${limits.maxFileBytes} bytes; import it with the CLI instead`)));
      pending.push(
        new Promise<void>((done) => {
          stream.on('close', () => {
            if (!stream.truncated) form.files.set(field, { name, bytes: Buffer.concat(chunks) });
            done();
          });
        }),
      );
    });
    parser.on('field', (field, value, info) => {
      if (!limits.textFields.includes(field)) {
        fail(new UploadError('BAD_UPLOAD_FIELD', `unexpected field "${field.slice(0, 40)}" (expected ${[...limits.textFields, ...limits.fileFields].join(', ')})`));
        return;
      }
      if (info.valueTruncated) {
        fail(new UploadError('BAD_UPLOAD_FIELD', `the field "${field}" is longer than ${MAX_FIELD_BYTES} bytes`));
        return;
      }
      if (form.fields.has(field)) fail(new UploadError('BAD_UPLOAD_FIELD', `the field "${field}" appears twice`));
      form.fields.set(field, value);
    });
    const tooMany = () => fail(new UploadError('BAD_UPLOAD_FIELD', `too many parts: expected at most the fields ${limits.textFields.join(', ')} and the files ${limits.fileFields.join(', ')}`));
    parser.on('filesLimit', tooMany);
    parser.on('fieldsLimit', tooMany);
    parser.on('partsLimit', tooMany);
    parser.on('error', (error: Error) => {
      request.unpipe(parser);
      request.resume();
      reject(new UploadError('BAD_MULTIPART', `the multipart body cannot be read: ${error.message.slice(0, 200)}`));
    });
    parser.on('close', () => {
      void Promise.all(pending).then(() => (problem ? reject(problem) : resolve(form)));
    });
    request.pipe(parser);
  });
}
