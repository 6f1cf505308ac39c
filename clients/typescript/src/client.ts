import { type ImportResultsMutation, type TypedDocumentString } from './generated/graphql';

/** An error the server answered: `code` is its `extensions.code` (e.g. FORBIDDEN, IMPORT_REJECTED); `status` the HTTP status. */
export class TransferscopeApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Everything in `extensions` (`file` and `line` for IMPORT_REJECTED). */
    readonly extensions: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TransferscopeApiError';
  }
}

export interface ClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:4000` (GraphQL at `/graphql`, uploads at `/import`). */
  url: string;
  /** An API token (`transferscope token create`); omit it only for servers with anonymous reads. */
  token?: string;
  /** A fetch implementation (default: the global one, Node >= 18). */
  fetch?: typeof fetch;
}

/** One results file: a name (used in error messages as `name:line`) and its bytes or text. */
export interface ResultsFile {
  name: string;
  content: string | Uint8Array;
}

/** The two results formats `POST /import` takes, as `transferscope import` reads them. */
export type ResultsUpload = { study: string; format: 'STUDY_RESULTS'; performances: ResultsFile; scores: ResultsFile } | { study: string; format: 'LONG'; file: ResultsFile };

/** What an import wrote: the answer of the `importResults` mutation, which `POST /import` gives too. */
export type ImportSummary = ImportResultsMutation['importResults'];

interface ErrorBody {
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * A typed Transferscope client: `request` takes one of the generated documents (`CorrelationsDocument`, ...) and
 * returns its typed `data`, `uploadResults` posts results files as multipart/form-data. Any error in the answer is
 * thrown as a TransferscopeApiError (partial data is not returned).
 */
export class TransferscopeClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  async request<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>, ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]): Promise<TResult> {
    // A JSON content type: Apollo's CSRF prevention accepts it without extra headers.
    const response = await this.fetch(new URL('/graphql', this.options.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.authorization() },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
    const body = (await readJson(response)) as ErrorBody & { data?: TResult | null };
    throwErrors(body, response.status);
    if (body.data == null) throw new TransferscopeApiError('NO_DATA', `the server answered HTTP ${response.status} without data`, response.status, {});
    return body.data;
  }

  /** Imports results files into a study (writer role): all or nothing, idempotent, bad rows named by file and line. */
  async uploadResults(upload: ResultsUpload): Promise<ImportSummary> {
    const form = new FormData();
    form.append('study', upload.study);
    form.append('format', upload.format);
    const files: [string, ResultsFile][] = upload.format === 'LONG' ? [['file', upload.file]] : [['performances', upload.performances], ['scores', upload.scores]];
    for (const [field, file] of files) form.append(field, new Blob([typeof file.content === 'string' ? file.content : new Uint8Array(file.content)], { type: 'text/csv' }), file.name);
    // fetch sets the multipart content type with its boundary.
    const response = await this.fetch(new URL('/import', this.options.url), { method: 'POST', headers: this.authorization(), body: form });
    const body = (await readJson(response)) as ErrorBody & ImportSummary;
    throwErrors(body, response.status);
    return body;
  }

  private authorization(): Record<string, string> {
    return this.options.token ? { authorization: `Bearer ${this.options.token}` } : {};
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new TransferscopeApiError('BAD_RESPONSE', `the server answered HTTP ${response.status} with something other than JSON: ${text.slice(0, 200)}`, response.status, {});
  }
}

function throwErrors(body: ErrorBody, status: number): void {
  const first = body.errors?.[0];
  if (!first) return;
  const extensions = first.extensions ?? {};
  throw new TransferscopeApiError(typeof extensions['code'] === 'string' ? extensions['code'] : 'UNKNOWN', first.message, status, extensions);
}
