import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelError, Sha256MismatchError } from '../model-error';
import { readVerifiedFile } from '../model-files';
import { sha256Hex } from '../sha256';
import { findZooModel, loadZooManifest, parseZooManifest, type ZooModel } from '../zoo-manifest';

const ZOO = join(process.env['TRANSFERSCOPE_SHARED'] ?? '', 'zoo', 'models');
const ID = 'mobilenetv2-035-imagenet';

let tmp: string;
let server: Server;
let baseUrl: string;
let requests: string[];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ts-model-files-'));
  requests = [];
  // A real HTTP server on localhost stands in for a remote model host.
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    readFile(join(ZOO, ID, (req.url ?? '').replace(/^\/models\//, '')))
      .then((data) => res.end(data))
      .catch(() => {
        res.statusCode = 404;
        res.end();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(tmp, { recursive: true, force: true });
});

async function remoteModel(base: string): Promise<ZooModel> {
  const raw = JSON.parse(await readFile(join(ZOO, 'zoo.json'), 'utf8')) as { models: Record<string, unknown>[] };
  const entry = raw.models.find((m) => m['id'] === ID) as Record<string, unknown>;
  return parseZooManifest({ schemaVersion: 1, models: [{ ...entry, path: base }] }, '/unused').models[0];
}

describe('model files', () => {
  it('reads a local file after checking its size and sha256', async () => {
    const m = findZooModel(await loadZooManifest({ zoo: ZOO }), ID);
    const w = m.files.find((f) => f.role === 'weights');
    if (!w) throw new Error('no weights');
    const data = await readVerifiedFile(w);
    expect(data.byteLength).toBe(w.bytes);
    expect(sha256Hex(data)).toBe(w.sha256);
  });

  it('a flipped byte in a copied model folder is a SHA256_MISMATCH naming the file and both hashes', async () => {
    const dir = join(tmp, 'zoo-copy');
    await cp(join(ZOO, ID), join(dir, ID), { recursive: true });
    await cp(join(ZOO, 'zoo.json'), join(dir, 'zoo.json'));
    const path = join(dir, ID, 'weights.bin');
    const bytes = await readFile(path);
    bytes[1000] ^= 0xff;
    await writeFile(path, bytes);
    const m = findZooModel(await loadZooManifest({ zoo: dir }), ID);
    const w = m.files.find((f) => f.name === 'weights.bin');
    if (!w) throw new Error('no weights.bin');
    const err = await readVerifiedFile(w).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Sha256MismatchError);
    const e = err as Sha256MismatchError;
    expect(e.code).toBe('SHA256_MISMATCH');
    expect(e.file).toBe(path);
    expect(e.expected).toBe(w.sha256);
    expect(e.actual).toBe(sha256Hex(bytes));
    expect(e.message).toContain(path);
    expect(e.message).toContain(w.sha256);
    expect(e.message).toContain(e.actual);
  });

  it('a missing or truncated local file is a specific error', async () => {
    const m = findZooModel(await loadZooManifest({ zoo: ZOO }), ID);
    const w = m.files.find((f) => f.role === 'weights');
    if (!w) throw new Error('no weights');
    await expect(readVerifiedFile({ ...w, location: { kind: 'file', path: join(tmp, 'nope.bin') } })).rejects.toMatchObject({ code: 'FILE_MISSING' });
    await expect(readVerifiedFile({ ...w, bytes: w.bytes + 1 })).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });

  it('downloads remote files once into the cache, by content hash, then works offline', async () => {
    const cacheDir = join(tmp, 'cache');
    const m = await remoteModel(baseUrl);
    const w = m.files.find((f) => f.role === 'weights');
    if (!w) throw new Error('no weights');
    expect(w.location).toEqual({ kind: 'url', url: `${baseUrl}/weights.bin` });
    const first = await readVerifiedFile(w, { cacheDir });
    expect(sha256Hex(first)).toBe(w.sha256);
    expect(requests).toEqual(['/models/weights.bin']);
    expect(await readdir(join(cacheDir, 'blobs'))).toEqual([w.sha256]);
    // Offline: a fetch that always fails must not be called, the cache answers.
    const offline = async (): Promise<Response> => {
      throw new TypeError('fetch failed');
    };
    const again = await readVerifiedFile(w, { cacheDir, fetch: offline });
    expect(again.equals(first)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('offline without a cached copy is a clear DOWNLOAD_FAILED error; a corrupt download is refused', async () => {
    const m = await remoteModel('http://127.0.0.1:9/models');
    const w = m.files.find((f) => f.role === 'weights');
    if (!w) throw new Error('no weights');
    const err = (await readVerifiedFile(w, { cacheDir: join(tmp, 'cache-empty') }).catch((e: unknown) => e)) as ModelError;
    expect(err.code).toBe('DOWNLOAD_FAILED');
    expect(err.message).toMatch(/cannot download http:\/\/127\.0\.0\.1:9\/models\/weights\.bin .*offline/);
    await expect(readVerifiedFile(w)).rejects.toMatchObject({ code: 'NO_CACHE_DIR' });

    const served = await remoteModel(baseUrl);
    const lic = served.files.find((f) => f.role === 'license');
    if (!lic) throw new Error('no licence');
    const wrong = { ...lic, sha256: 'f'.repeat(64) };
    await expect(readVerifiedFile(wrong, { cacheDir: join(tmp, 'cache2') })).rejects.toBeInstanceOf(Sha256MismatchError);
    await expect(readdir(join(tmp, 'cache2', 'blobs'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
