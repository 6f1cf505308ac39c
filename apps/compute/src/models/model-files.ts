import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError, Sha256MismatchError } from './model-error';
import { sha256Hex } from './sha256';
import { type ZooModelFile } from './zoo-manifest';

/** Where remote model files are kept once downloaded, and how to download them. */
export interface ModelFileOptions {
  /**
   * Cache folder for files that live at http(s) URLs. Files are stored by content
   * (`<cacheDir>/blobs/<sha256>`), so two models sharing a file download it once.
   * Required only when a model has remote files.
   */
  cacheDir?: string;
  /** Replaceable for tests of the offline path; defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

function checkBytes(file: ZooModelFile, label: string, data: Uint8Array): void {
  if (data.byteLength !== file.bytes) {
    throw new ModelError('SIZE_MISMATCH', `${label} has ${data.byteLength} bytes, the manifest records ${file.bytes}`);
  }
  const actual = sha256Hex(data);
  if (actual !== file.sha256) throw new Sha256MismatchError(label, file.sha256, actual);
}

async function readLocal(file: ZooModelFile, path: string): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new ModelError('FILE_MISSING', `model file ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  checkBytes(file, path, data);
  return data;
}

async function download(url: string, doFetch: typeof fetch): Promise<Buffer> {
  let res: Response;
  try {
    res = await doFetch(url);
  } catch (e) {
    const why = e instanceof Error && e.cause instanceof Error ? e.cause.message : (e as Error).message;
    throw new ModelError('DOWNLOAD_FAILED', `cannot download ${url} (${why}); are you offline? Remote model files are downloaded once into the cache folder, then used offline`, { cause: e });
  }
  if (!res.ok) throw new ModelError('DOWNLOAD_FAILED', `cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
  return Buffer.from(await res.arrayBuffer());
}

async function readRemote(file: ZooModelFile, url: string, options: ModelFileOptions): Promise<Buffer> {
  if (!options.cacheDir) {
    throw new ModelError('NO_CACHE_DIR', `model file ${url} is remote: pass a cache folder (cacheDir) to download it into`);
  }
  const blobs = join(options.cacheDir, 'blobs');
  const cached = join(blobs, file.sha256);
  try {
    const data = await readFile(cached);
    checkBytes(file, cached, data);
    return data;
  } catch (e) {
    // A damaged cache entry is discarded and fetched again; a missing one is simply fetched.
    if (!(e instanceof ModelError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await rm(cached, { force: true });
  }
  const data = await download(url, options.fetch ?? fetch);
  checkBytes(file, url, data);
  await mkdir(blobs, { recursive: true });
  // Write then rename: a killed process never leaves a partial blob under the final name.
  const tmp = `${cached}.${process.pid}.${Date.now()}.part`;
  await writeFile(tmp, data);
  await rename(tmp, cached);
  return data;
}

/**
 * The bytes of one model file after checking its size and sha256 against the manifest.
 * Local files are read in place; remote files come from the cache or are downloaded into it.
 * Throws `Sha256MismatchError` (code SHA256_MISMATCH) naming the file, expected and actual hash.
 */
export async function readVerifiedFile(file: ZooModelFile, options: ModelFileOptions = {}): Promise<Buffer> {
  const loc = file.location;
  return loc.kind === 'file' ? readLocal(file, loc.path) : readRemote(file, loc.url, options);
}
