import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendInfo, selectBackend } from '../../backends/select-backend';
import { extractFeatures } from '../../extraction/extract-features';
import { loadZooModel } from '../../models/load-model';
import { findZooModel, loadZooManifest, type ZooManifest } from '../../models/zoo-manifest';
import { CONVERTER_VERSION } from '../convert-layers';
import { loadModelForBackend, onnxThreadsFromEnv } from '../load-for-backend';
import { OnnxError } from '../onnx-error';
import { convertZoo, zooVerificationImages } from '../convert-zoo';
import { convertZooModel, loadOnnxZooModel, onnxCachePath } from '../onnx-zoo';
import { imageBatch, maxRelativeError, ONNX_TOLERANCE, verifyOnnxModel } from '../verify-onnx';

/*
 * Every model of the zoo (six tfjs-layers models and the tfjs-graph model) converted to ONNX and checked on real brain-MRI images against the
 * tfjs model as stored (no BatchNorm folding): features and head within 1e-4 relative (max over elements,
 * relative to the max |value|). The conversions are cached per test run in a temporary home.
 */

const SHARED = process.env['TRANSFERSCOPE_SHARED'] ?? '';
const ZOO = join(SHARED, 'zoo', 'models');
const TESTING = join(SHARED, 'zoo', 'datasets', 'brain_tumor_kaggle', 'Testing');
const MRI = [join(TESTING, 'glioma_tumor', 'image(1).jpg'), join(TESTING, 'no_tumor', 'image(1).jpg'), join(TESTING, 'meningioma_tumor', 'image(10).jpg')];
const LAYERS_MODELS = ['mobilenetv2-035-imagenet', 'darknet-tiny-imagenet', 'doodlenet-quickdraw345', 'tm-mobilenetv2-035-braintumor', 'nsfwjs-mobilenetv2', 'nsfwjs-inceptionv3'];
const GRAPH_MODEL = 'nsfwjs-mobilenetv2-mid';

let zoo: ZooManifest;
let home: string;
let wasm: BackendInfo;

beforeAll(async () => {
  wasm = await selectBackend('wasm', { log: () => undefined });
  zoo = await loadZooManifest({ zoo: ZOO });
  home = await mkdtemp(join(tmpdir(), 'ts-onnx-'));
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('convertZooModel on real MRI images', () => {
  it.each(LAYERS_MODELS)('%s: ONNX features and head equal tfjs within 1e-4 relative', async (id) => {
    const entry = findZooModel(zoo, id);
    const c = await convertZooModel(entry, { home, verifyImages: MRI, threads: 1 });
    expect(c.cached).toBe(false);
    expect(c.path).toBe(join(home, 'onnx', `${entry.weightsHash}.onnx`));
    expect(existsSync(c.path)).toBe(true);
    expect(Object.keys(c.verification)).toEqual(entry.logits ? (entry.logits.outputIsProbability ? ['features', 'probabilities'] : ['features', 'probabilities', 'logits']) : ['features']);
    for (const e of Object.values(c.verification)) expect(e).toBeLessThanOrEqual(ONNX_TOLERANCE);
    // Every BatchNormalization of these models follows a linear convolution: all of them are folded.
    expect(c.report.foldedBatchNorms).toBe(c.report.layers['BatchNormalization'] ?? 0);
  }, 60_000);

  it(`${GRAPH_MODEL} (tfjs-graph, uint8 weights): ONNX features and logits equal tfjs within 1e-4 relative`, async () => {
    const entry = findZooModel(zoo, GRAPH_MODEL);
    const c = await convertZooModel(entry, { home, verifyImages: MRI, threads: 1 });
    expect(Object.keys(c.verification)).toEqual(['features', 'probabilities', 'logits']);
    for (const e of Object.values(c.verification)) expect(e).toBeLessThanOrEqual(ONNX_TOLERANCE);
    expect(c.report.layers['_FusedConv2D']).toBe(35);
    expect(c.report.layers['FusedDepthwiseConv2dNative']).toBe(17);
    expect(c.report.transposes).toBe(1);
  }, 60_000);

  it('a second call reuses the cached conversion; a stale converter version converts again', async () => {
    const entry = findZooModel(zoo, 'doodlenet-quickdraw345');
    const again = await convertZooModel(entry, { home, verifyImages: MRI });
    expect(again.cached).toBe(true);
    const { meta } = onnxCachePath(home, entry);
    const sidecar = JSON.parse(await readFile(meta, 'utf8')) as Record<string, unknown>;
    expect(sidecar['converterVersion']).toBe(CONVERTER_VERSION);
    await writeFile(meta, JSON.stringify({ ...sidecar, converterVersion: 'old' }));
    expect((await convertZooModel(entry, { home, verifyImages: MRI })).cached).toBe(false);
  });

  it('a damaged cached file is detected by its sha256 and converted again', async () => {
    const entry = findZooModel(zoo, 'doodlenet-quickdraw345');
    const lines: string[] = [];
    const { onnx: file } = onnxCachePath(home, entry);
    await convertZooModel(entry, { home, verifyImages: MRI });
    const good = await readFile(file);
    const bad = Uint8Array.from(good);
    bad[bad.length - 1] ^= 0xff; // flips bits of the last weight
    await writeFile(file, bad);
    const m = await loadOnnxZooModel(entry, { home, verifyImages: MRI, log: (l) => lines.push(l) });
    m.dispose();
    expect(lines.join('\n')).toMatch(/does not match its recorded sha256/);
    expect(Buffer.compare(await readFile(file), good)).toBe(0);
  });

  it('refuses a conversion without verification images', async () => {
    const entry = findZooModel(zoo, 'darknet-tiny-imagenet');
    await expect(convertZooModel(entry, { home, verifyImages: [], force: true })).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
  });
});

describe('the ONNX model as a LoadedModel', () => {
  it('extractFeatures through forwardArrays equals tfjs extraction; forward() says to use forwardArrays', async () => {
    const entry = findZooModel(zoo, 'tm-mobilenetv2-035-braintumor');
    const onnx = await loadOnnxZooModel(entry, { home, verifyImages: MRI, threads: 2 });
    const tfjs = await loadZooModel(entry);
    try {
      expect(onnx.runtime).toMatchObject({ name: 'onnxruntime-node', provider: 'cpu', threads: 2 });
      const batch = await imageBatch(entry, MRI);
      const per = batch.images.length / MRI.length;
      // Two batches of sizes 2 and 1: the runner must handle any batch size.
      const batches = [
        { images: batch.images.subarray(0, 2 * per), shape: [2, ...batch.shape.slice(1)] as [number, number, number, number], labels: [0, 1] },
        { images: batch.images.subarray(2 * per), shape: [1, ...batch.shape.slice(1)] as [number, number, number, number], labels: [2] },
      ];
      const a = await extractFeatures(onnx, batches);
      const b = await extractFeatures(tfjs, batches);
      expect(a.n).toBe(3);
      expect([...a.labels]).toEqual([0, 1, 2]);
      expect(maxRelativeError(a.features, b.features)).toBeLessThan(ONNX_TOLERANCE);
      expect(maxRelativeError(a.probabilities!, b.probabilities!)).toBeLessThan(ONNX_TOLERANCE);
      expect(() => onnx.forward(null as never)).toThrow(OnnxError);
      // A zero tolerance rejects: the check compares real values, float32 rounding differs.
      await expect(verifyOnnxModel(onnx, tfjs, batch, 0)).rejects.toMatchObject({ code: 'VERIFICATION_FAILED' });
    } finally {
      onnx.dispose();
      tfjs.dispose();
    }
  });

  it('loadModelForBackend: auto and onnx run convertible models on onnxruntime; wasm stays on tfjs', async () => {
    const entry = findZooModel(zoo, 'mobilenetv2-035-imagenet');
    const lines: string[] = [];
    const opts = { home, verifyImages: MRI, log: (l: string) => lines.push(l) };
    for (const request of ['auto', 'onnx'] as const) {
      const m = await loadModelForBackend(entry, { ...opts, backend: { ...wasm, request } });
      expect(m.runtime?.name).toBe('onnxruntime-node');
      expect(m.forwardArrays).toBeDefined();
      m.dispose();
    }
    const plain = await loadModelForBackend(entry, { ...opts, backend: { ...wasm, request: 'wasm' } });
    expect(plain.runtime).toBeUndefined();
    plain.dispose();
    expect(lines).toEqual([]);
  });
});

describe('convertZoo (the `zoo convert` command)', () => {
  it('converts the named models on the zoo verification images; one that fails verification is reported, not thrown', async () => {
    const images = await zooVerificationImages(zoo);
    expect(images.map((p) => existsSync(p))).toEqual([true, true]);
    const rows = await convertZoo(zoo, ['doodlenet-quickdraw345'], { home, verifyImages: images, force: true });
    expect(rows.map((r) => [r.id, r.status])).toEqual([['doodlenet-quickdraw345', 'converted']]);
    const ok = rows[0];
    if (ok.status !== 'converted') throw new Error('unreachable');
    expect(ok.conversion.verifiedOn).toEqual(images);
    expect(ok.conversion.verification['features']).toBeLessThanOrEqual(ONNX_TOLERANCE);
    const failed = await convertZoo(zoo, ['doodlenet-quickdraw345'], { home, verifyImages: [], force: true });
    expect(failed).toMatchObject([{ id: 'doodlenet-quickdraw345', status: 'failed', reason: expect.stringMatching(/at least one real image/) }]);
  });

  it('"all" converts every model of the zoo and then reuses the cache; an unknown id throws', async () => {
    await convertZoo(zoo, 'all', { home, verifyImages: MRI }); // converts whatever earlier tests did not
    const rows = await convertZoo(zoo, 'all', { home, verifyImages: MRI });
    expect(rows.map((r) => r.status)).toEqual(zoo.models.map(() => 'cached'));
    expect(rows.map((r) => r.id).sort()).toEqual([...LAYERS_MODELS, GRAPH_MODEL].sort());
    await expect(convertZoo(zoo, ['nope'], { home, verifyImages: MRI })).rejects.toThrow(/nope/);
  });
});

describe('onnxThreadsFromEnv', () => {
  it('reads TRANSFERSCOPE_ONNX_THREADS: unset is all cores (undefined), a bad value throws', () => {
    expect(onnxThreadsFromEnv({})).toBeUndefined();
    expect(onnxThreadsFromEnv({ TRANSFERSCOPE_ONNX_THREADS: '3' })).toBe(3);
    expect(() => onnxThreadsFromEnv({ TRANSFERSCOPE_ONNX_THREADS: '0' })).toThrow(/positive integer/);
    expect(() => onnxThreadsFromEnv({ TRANSFERSCOPE_ONNX_THREADS: 'two' })).toThrow(OnnxError);
  });
});
