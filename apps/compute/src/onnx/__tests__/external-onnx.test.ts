import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iterateBatches, loadFolderManifest, type Manifest, specFromZooInput } from '@transferscope/datasets';
import { type BackendInfo, selectBackend } from '../../backends/select-backend';
import { extractFeatures, type FeatureExtraction } from '../../extraction/extract-features';
import { loadZooModel } from '../../models/load-model';
import { findZooModel, loadZooManifest, type ZooModel } from '../../models/zoo-manifest';
import * as ort from 'onnxruntime-node';
import { adaptExternalGraph } from '../external-graph';
import { GraphBuilder } from '../graph-builder';
import { loadModelForBackend } from '../load-for-backend';
import { decodeModel, encodeModel, type OnnxModel } from '../onnx-schema';
import { convertZooModel, loadOnnxZooModel } from '../onnx-zoo';
import { maxRelativeError, ONNX_TOLERANCE } from '../verify-onnx';

/*
 * A zoo entry of format "onnx": a model the user brings, with the input and the taps named by tensor. The model
 * here is our own converter's output for tm-mobilenetv2-035-braintumor (generated into a temp folder at test time,
 * never committed), edited the way an exporter would have left it: only `probabilities` as output, so the feature
 * taps are intermediate tensors. Loaded through the normal zoo path (zoo.json -> loadZooManifest ->
 * loadModelForBackend -> extractFeatures over the datasets' batch stream) on real brain-MRI images, its features
 * must equal the converted model's own `features` output, and its head the converted model's probabilities.
 */

const SHARED = process.env['TRANSFERSCOPE_SHARED'] ?? '';
const ZOO = join(SHARED, 'zoo', 'models');
const TESTING = join(SHARED, 'zoo', 'datasets', 'brain_tumor_kaggle', 'Testing');
const SOURCE = 'tm-mobilenetv2-035-braintumor';
/** Intermediate tensors of the converted graph (tfjs layer names): the pooled features, the 7x7 NCHW map before pooling, the head. */
const POOLED = 'global_average_pooling2d_GlobalAveragePooling2D1';
const MAP = 'out_relu';
const HEAD_PROBS = 'dense_Dense2';
const HEAD_LOGITS = 'dense_Dense2_linear';

let wasm: BackendInfo;
let source: ZooModel;
let home: string;
let dir: string;
let converted: Uint8Array;
let images: Manifest;
let reference: FeatureExtraction;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The converter's graph as a user's export would have it: every output but `probabilities` removed. */
function userExport(edit?: (m: OnnxModel) => void): Uint8Array {
  const { model } = decodeModel(converted);
  const g = model.graph;
  g.node = g.node.filter((n) => n.output[0] !== 'features');
  g.output = g.output.filter((o) => o.name === 'probabilities');
  edit?.(model);
  return encodeModel(model);
}

/** Channels-first input, as torch.onnx.export writes: the converter's leading NHWC->NCHW Transpose removed. */
function channelsFirst(m: OnnxModel): void {
  const g = m.graph;
  const t = g.node.shift()!;
  expect(t.opType).toBe('Transpose');
  g.input = [{ name: t.output[0], type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 224 }, { dimValue: 224 }] } } } }];
}

/** Writes `model.onnx` + LICENSE and a zoo.json with one `format: "onnx"` entry built from the source entry. */
async function writeZoo(name: string, bytes: Uint8Array, fields: Record<string, unknown>, fileSha = sha256(bytes)): Promise<ZooModel> {
  const folder = join(dir, name);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'model.onnx'), bytes);
  const license = Buffer.from('MIT AND Apache-2.0 (see the source model)\n');
  await writeFile(join(folder, 'LICENSE'), license);
  const classes = await readFile(join(ZOO, SOURCE, 'classes.txt'));
  await writeFile(join(folder, 'classes.txt'), classes);
  const raw = JSON.parse(await readFile(join(ZOO, 'zoo.json'), 'utf8')) as { models: Record<string, unknown>[] };
  const base = raw.models.find((m) => m['id'] === SOURCE)!;
  const entry = {
    ...base,
    id: `user-${name}`,
    format: 'onnx',
    path: name,
    modelFile: 'model.onnx',
    inputName: 'input',
    files: [
      { name: 'model.onnx', role: 'topology', bytes: bytes.length, sha256: fileSha },
      { name: 'LICENSE', role: 'license', bytes: license.length, sha256: sha256(license) },
      { name: 'classes.txt', role: 'classes', bytes: classes.length, sha256: sha256(classes) },
    ],
    license: { spdx: 'MIT AND Apache-2.0', file: 'LICENSE' },
    ...fields,
  };
  delete (entry as Record<string, unknown>)['weightDataSha256'];
  await writeFile(join(dir, 'zoo.json'), JSON.stringify({ schemaVersion: 1, models: [entry] }));
  return findZooModel(await loadZooManifest({ zoo: dir }), `user-${name}`);
}

async function extract(entry: ZooModel, log?: (l: string) => void): Promise<FeatureExtraction & { runtime: unknown }> {
  const m = await loadModelForBackend(entry, { backend: { ...wasm, request: 'onnx' }, home, verifyImages: [], threads: 1, log });
  try {
    const r = await extractFeatures(m, iterateBatches(images, { spec: specFromZooInput(entry.input), batchSize: 5 }), { total: images.items.length });
    return { ...r, runtime: m.runtime };
  } finally {
    m.dispose();
  }
}

beforeAll(async () => {
  wasm = await selectBackend('wasm', { log: () => undefined });
  source = findZooModel(await loadZooManifest({ zoo: ZOO }), SOURCE);
  home = await mkdtemp(join(tmpdir(), 'ts-onnx-ext-home-'));
  dir = await mkdtemp(join(tmpdir(), 'ts-onnx-ext-zoo-'));
  const all = (await loadFolderManifest(TESTING, { inferMapping: true })).manifest;
  // 12 real MRI images spread over the four classes.
  const stride = Math.floor(all.items.length / 12);
  images = { ...all, items: all.items.filter((_, i) => i % stride === 0).slice(0, 12) };
  const verify = images.items.slice(0, 2).map((i) => i.path);
  converted = await readFile((await convertZooModel(source, { home, verifyImages: verify, threads: 1 })).path);
  const onnx = await loadOnnxZooModel(source, { home, verifyImages: verify, threads: 1 });
  try {
    reference = await extractFeatures(onnx, iterateBatches(images, { spec: specFromZooInput(source.input), batchSize: 5 }), { total: images.items.length });
  } finally {
    onnx.dispose();
  }
}, 120_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

describe('format "onnx" zoo entries: taps by tensor name', () => {
  it('an intermediate feature tap (not a graph output) gives the converted model own features on real MRI images; provenance has sha256 and provider', async () => {
    const bytes = userExport();
    expect(decodeModel(bytes).model.graph.output.map((o) => o.name)).toEqual(['probabilities']);
    const entry = await writeZoo('nhwc', bytes, { featureLayer: POOLED, logits: { ...source.logits, layer: HEAD_PROBS } });
    expect(entry.weightsHash).toBe(sha256(bytes));
    const lines: string[] = [];
    const r = await extract(entry, (l) => lines.push(l));
    expect(r.n).toBe(12);
    expect([...r.labels]).toEqual([...reference.labels]);
    // Same graph, same runtime: equal up to float32 rounding of a different kernel choice (measured: 0).
    expect(maxRelativeError(r.features, reference.features)).toBeLessThanOrEqual(1e-6);
    expect(maxRelativeError(r.probabilities!, reference.probabilities!)).toBeLessThanOrEqual(1e-6);
    expect(r.runtime).toMatchObject({ name: 'onnxruntime-node', provider: 'cpu', threads: 1, modelFile: join(dir, 'nhwc', 'model.onnx'), modelSha256: sha256(bytes), verification: null });
    expect(lines).toEqual([]);
  }, 60_000);

  it('equals the tfjs features of the tapped layer within the conversion tolerance', async () => {
    const entry = await writeZoo('nhwc', userExport(), { featureLayer: POOLED, logits: { ...source.logits, layer: HEAD_PROBS } });
    const r = await extract(entry);
    const tfjs = await loadZooModel(source);
    try {
      const t = await extractFeatures(tfjs, iterateBatches(images, { spec: specFromZooInput(source.input), batchSize: 5 }));
      expect(maxRelativeError(r.features, t.features)).toBeLessThanOrEqual(ONNX_TOLERANCE);
      expect(maxRelativeError(r.probabilities!, t.probabilities!)).toBeLessThanOrEqual(ONNX_TOLERANCE);
    } finally {
      tfjs.dispose();
    }
  }, 60_000);

  it('NCHW input, a rank-4 map pooled in the graph, a logits head: same features, probabilities = softmax(logits)', async () => {
    const bytes = userExport(channelsFirst);
    const entry = await writeZoo('nchw', bytes, {
      inputName: 'input_nchw',
      input: { ...source.input, layout: 'NCHW' },
      featureLayer: MAP,
      featurePooling: 'global_average',
      featureLayerOutputShape: [null, 1280, 7, 7],
      logits: { ...source.logits, layer: HEAD_LOGITS, outputIsProbability: false },
    });
    const adapted = adaptExternalGraph(bytes, entry);
    expect(adapted.names).toEqual({ input: 'input_nchw_nhwc', features: 'features', probabilities: 'probabilities_1', logits: HEAD_LOGITS });
    expect(decodeModel(adapted.bytes).model.graph.output.map((o) => o.name)).toEqual(['features', HEAD_LOGITS, 'probabilities_1']);
    const r = await extract(entry, () => undefined);
    expect(maxRelativeError(r.features, reference.features)).toBeLessThanOrEqual(1e-6);
    expect(maxRelativeError(r.probabilities!, reference.probabilities!)).toBeLessThanOrEqual(1e-6);
    expect(r.logits).not.toBeNull();
    const row = Array.from(r.logits!.subarray(0, 2));
    const z = Math.exp(row[0]) + Math.exp(row[1]);
    expect(r.probabilities![0]).toBeCloseTo(Math.exp(row[0]) / z, 6);
  }, 60_000);
});

describe('adaptExternalGraph on a hand-built graph', () => {
  it('an exposed intermediate keeps the type the exporter recorded in value_info, and onnxruntime returns it', async () => {
    const g = new GraphBuilder();
    g.reserve('x');
    const h = g.node('Relu', ['x'], 'h');
    g.node('Mul', [h, g.floats('w', [2], Float32Array.of(3, 0.5))], 'y', {}, g.reserve('y'));
    const model = g.build('tiny', { name: 'x', dims: ['n', 1, 1, 2] }, [{ name: 'y', dims: ['n', 1, 1, 2] }], { converterVersion: 't' });
    const hInfo = { name: 'h', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'n' }, { dimValue: 1 }, { dimValue: 1 }, { dimValue: 2 }] } } } };
    model.graph.valueInfo = [hInfo];
    const entry = { ...source, id: 'tiny', inputName: 'x', input: { ...source.input, height: 1, width: 1, channels: 3 as const, layout: 'NHWC' as const }, featureLayer: 'h', featurePooling: 'none' as const, logits: null };
    // The manifest says 3 channels, the graph 2: refused before anything runs.
    expect(() => adaptExternalGraph(encodeModel(model), entry)).toThrow(/has shape \[n, 1, 1, 2\]/);
    const adapted = adaptExternalGraph(encodeModel(model), { ...entry, input: { ...entry.input, channels: 2 as unknown as 3 } });
    const out = decodeModel(adapted.bytes).model.graph.output;
    expect(out.map((o) => o.name)).toEqual(['h']);
    expect(out[0].type?.tensorType?.shape?.dim?.map((d) => d.dimParam ?? Number(d.dimValue))).toEqual(['n', 1, 1, 2]);
    const s = await ort.InferenceSession.create(adapted.bytes);
    const r = await s.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 2), [1, 1, 1, 2]) });
    expect([...(r['h'].data as Float32Array)]).toEqual([0, 2]);
    await s.release();
  });
});

describe('format "onnx": bad manifests give clear errors', () => {
  it('an unknown feature tensor names the tensor, the graph and similar names', async () => {
    const entry = await writeZoo('bad-tap', userExport(), { featureLayer: 'global_average_pooling2d', logits: { ...source.logits, layer: HEAD_PROBS } });
    const err = await extract(entry).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VALUE_NOT_FOUND' });
    expect((err as Error).message).toMatch(/featureLayer "global_average_pooling2d" is not a tensor of graph "tm-mobilenetv2-035-braintumor"; similar names: .*global_average_pooling2d_GlobalAveragePooling2D1/);
  });

  it('an unknown head tensor and an unknown input name are refused the same way', async () => {
    const head = await writeZoo('bad-head', userExport(), { featureLayer: POOLED, logits: { ...source.logits, layer: 'logits' } });
    await expect(extract(head)).rejects.toMatchObject({ code: 'VALUE_NOT_FOUND', message: expect.stringMatching(/logits.layer "logits" is not a tensor/) });
    const input = await writeZoo('bad-input', userExport(), { inputName: 'images', featureLayer: POOLED, logits: { ...source.logits, layer: HEAD_PROBS } });
    await expect(extract(input)).rejects.toMatchObject({ code: 'VALUE_NOT_FOUND', message: expect.stringMatching(/inputName "images" is not an input of graph .*; its inputs are: input$/) });
  });

  it('a file whose sha256 is not the manifest one is refused before it is parsed, naming file and both hashes', async () => {
    const bytes = userExport();
    const wrong = '0'.repeat(64);
    const entry = await writeZoo('bad-sha', bytes, { featureLayer: POOLED, logits: { ...source.logits, layer: HEAD_PROBS } }, wrong);
    const err = await extract(entry).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SHA256_MISMATCH', expected: wrong, actual: sha256(bytes) });
    expect((err as Error).message).toContain(join(dir, 'bad-sha', 'model.onnx'));
  });

  it('a featureDim or class count that the model does not give, and an input shape that disagrees, are refused', async () => {
    const dim = await writeZoo('bad-dim', userExport(), { featureLayer: HEAD_LOGITS, featureDim: 1280, logits: { ...source.logits, layer: HEAD_PROBS } });
    await expect(extract(dim)).rejects.toMatchObject({ code: 'TAP_SHAPE_MISMATCH', message: expect.stringMatching(/gives 2 values per image, the manifest says featureDim 1280/) });
    const layout = await writeZoo('bad-layout', userExport(channelsFirst), { inputName: 'input_nchw', featureLayer: POOLED, logits: { ...source.logits, layer: HEAD_PROBS } });
    await expect(extract(layout)).rejects.toMatchObject({ code: 'UNSUPPORTED_CONFIG', message: expect.stringMatching(/has shape \[N, 3, 224, 224\], the manifest's input is NHWC \[batch, 224, 224, 3\]/) });
  });

  it('the manifest schema: inputName is required for onnx and only for onnx; NCHW only for onnx; one file, no separate weights', async () => {
    await expect(writeZoo('no-input', userExport(), { inputName: undefined, featureLayer: POOLED })).rejects.toMatchObject({ code: 'ZOO_MANIFEST_INVALID', message: expect.stringMatching(/needs inputName/) });
    await expect(writeZoo('tfjs-nchw', userExport(), { format: 'tfjs-layers', inputName: undefined, input: { ...source.input, layout: 'NCHW' } })).rejects.toMatchObject({
      code: 'ZOO_MANIFEST_INVALID',
      message: expect.stringMatching(/tfjs models take NHWC input/),
    });
    await expect(writeZoo('nchw-dim', userExport(), { featurePooling: 'global_average', featureLayer: MAP, featureLayerOutputShape: [null, 7, 7, 1280] })).rejects.toMatchObject({
      code: 'ZOO_MANIFEST_INVALID',
      message: expect.stringMatching(/channel axis \(1, NCHW\)/),
    });
  });

  it('tfjs cannot load an ONNX entry, and there is nothing to convert', async () => {
    const entry = await writeZoo('nhwc', userExport(), { featureLayer: POOLED, logits: { ...source.logits, layer: HEAD_PROBS } });
    await expect(loadZooModel(entry)).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' });
    await expect(convertZooModel(entry, { home, verifyImages: [] })).rejects.toMatchObject({ code: 'UNSUPPORTED_CONFIG' });
    // Whatever tfjs backend was asked for, an ONNX entry runs on onnxruntime, and the log says so.
    const lines: string[] = [];
    const m = await loadModelForBackend(entry, { backend: { ...wasm, request: 'wasm' }, home, verifyImages: [], threads: 1, log: (l) => lines.push(l) });
    m.dispose();
    expect(m.runtime?.name).toBe('onnxruntime-node');
    expect(lines.join('\n')).toMatch(/is an ONNX model and runs on onnxruntime-node/);
  });
});
