import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dispose, io, memory, randomNormal, randomUniform, type Tensor, type Tensor3D, type Tensor4D } from '@tensorflow/tfjs-core';
import { input, layers, loadLayersModel, model as functionalModel } from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../backends/select-backend';
import { foldBatchNorm } from '../fold-batch-norm';
import { type LoadedModel, loadZooModel } from '../load-model';
import { findZooModel, loadZooManifest, type ZooManifest } from '../zoo-manifest';
import { DOG, ZOO, decodeRgb, preprocess } from './verify-images';

let zoo: ZooManifest;
let dog: Tensor3D;

async function outputs(m: LoadedModel, x: Tensor4D): Promise<{ f: Float32Array; p: Float32Array | null }> {
  const o = m.forward(x);
  const r = { f: (await o.features.data()) as Float32Array, p: o.probabilities ? ((await o.probabilities.data()) as Float32Array) : null };
  dispose([o.features, ...(o.probabilities ? [o.probabilities] : []), ...(o.logits ? [o.logits] : [])]);
  return r;
}

/** max |a - b| / max |b|: the error relative to the scale of the reference output. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

/** How many layers of these classes the original model.json has, leaving out the named ones. */
function countLayers(id: string, classes: string[], except: string[] = []): number {
  const mj = JSON.parse(readFileSync(join(ZOO, id, 'model.json'), 'utf8')) as { modelTopology: { model_config?: unknown; config?: unknown } };
  const root = (mj.modelTopology.model_config ?? mj.modelTopology) as { config: { layers: { class_name: string; config: { name: string } }[] } };
  return root.config.layers.filter((l) => classes.includes(l.class_name) && !except.includes(l.config.name)).length;
}

beforeAll(async () => {
  await selectBackend('wasm', { log: () => undefined });
  zoo = await loadZooManifest({ zoo: ZOO });
  dog = await decodeRgb(DOG);
});

describe('foldBatchNorm', () => {
  it.each(['mobilenetv2-035-imagenet', 'darknet-tiny-imagenet', 'nsfwjs-mobilenetv2', 'nsfwjs-inceptionv3'])('%s: folded and original models give the same features and probabilities', async (id) => {
    const entry = findZooModel(zoo, id);
    const before = memory().numTensors;
    const original = await loadZooModel(entry, { foldBatchNorm: false });
    const folded = await loadZooModel(entry);
    expect(original.optimizations).toBeNull();
    // In these models every BatchNorm follows a convolution, every activation layer follows a BatchNorm
    // and every ZeroPadding2D feeds a 'valid' convolution: all fold, except the layers that are taps.
    const taps = [entry.featureLayer, ...entry.extraFeatureLayers.map((e) => e.layer)];
    expect(folded.optimizations).toEqual({
      foldedBatchNorms: countLayers(id, ['BatchNormalization']),
      fusedConvolutions: countLayers(id, ['Conv2D', 'DepthwiseConv2D']),
      fusedActivations: countLayers(id, ['ReLU', 'Activation', 'LeakyReLU'], taps),
      foldedPaddings: countLayers(id, ['ZeroPadding2D']),
    });
    expect(folded.params).toBe(entry.params);
    const x = preprocess(dog, entry.input);
    const a = await outputs(original, x);
    const b = await outputs(folded, x);
    expect(relDiff(b.f, a.f)).toBeLessThan(1e-5);
    if (a.p && b.p) expect(Math.max(...b.p.map((v, i) => Math.abs(v - (a.p ?? b.p)[i])))).toBeLessThan(1e-5);
    dispose(x);
    original.dispose();
    folded.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('leaves Sequential topologies unchanged', async () => {
    const m = await loadZooModel(findZooModel(zoo, 'doodlenet-quickdraw345'));
    expect(m.optimizations).toEqual({ foldedBatchNorms: 0, fusedConvolutions: 0, fusedActivations: 0, foldedPaddings: 0 });
    m.dispose();
  });

  it('folds non-trivial statistics exactly: conv with bias, strided depthwise with multiplier and odd padding, scale/center off; keeps taps', async () => {
    const inp = input({ shape: [9, 9, 3] });
    const c1 = layers.conv2d({ filters: 4, kernelSize: 3, useBias: true, name: 'c1' }).apply(inp);
    const b1 = layers.batchNormalization({ name: 'b1', epsilon: 0.01 }).apply(c1);
    const r1 = layers.activation({ activation: 'relu', name: 'r1' }).apply(b1);
    // 7x7 input: (0, 1) padding is not what 'same' gives here, so the layer must pad explicitly.
    const p2 = layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'p2' }).apply(r1);
    const d2 = layers.depthwiseConv2d({ kernelSize: 3, strides: 2, depthMultiplier: 2, useBias: false, name: 'd2' }).apply(p2);
    const b2 = layers.batchNormalization({ name: 'b2', scale: false }).apply(d2);
    const c3 = layers.conv2d({ filters: 5, kernelSize: 1, useBias: false, name: 'c3' }).apply(b2);
    const b3 = layers.batchNormalization({ name: 'b3', center: false }).apply(c3);
    const tap = layers.reLU({ name: 'tap' }).apply(b3);
    const out = layers.globalAveragePooling2d({ name: 'gap' }).apply(tap);
    const net = functionalModel({ inputs: inp, outputs: out as never });
    // Random moving statistics, so that folding is not the identity.
    for (const l of net.layers.filter((x) => x.name.startsWith('b'))) {
      l.setWeights(l.getWeights().map((w, i) => (w.name.includes('variance') || (i === 0 && w.name.includes('gamma')) ? randomUniform(w.shape, 0.5, 2) : randomNormal(w.shape))));
    }
    let artifacts: io.ModelArtifacts | undefined;
    await net.save(io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    if (!artifacts) throw new Error('not saved');
    const { artifacts: foldedArtifacts, report } = await foldBatchNorm(artifacts, new Set(['tap', 'gap']));
    expect(report).toEqual({ foldedBatchNorms: 3, fusedConvolutions: 3, fusedActivations: 1, foldedPaddings: 1 });
    const folded = await loadLayersModel(io.fromMemory(foldedArtifacts));
    expect(folded.layers.map((l) => l.name)).toEqual(['input1', 'c1', 'd2', 'c3', 'tap', 'gap'].map((n, i) => (i === 0 ? net.layers[0].name : n)));
    const x = randomNormal([2, 9, 9, 3]);
    const ya = net.predict(x) as Tensor;
    const yb = folded.predict(x) as Tensor;
    expect(relDiff(await yb.data(), await ya.data())).toBeLessThan(1e-5);
    dispose([x, ya, yb]);
    // The BatchNorm that feeds a tap cannot be folded away.
    const kept = await foldBatchNorm(artifacts, new Set(['b3']));
    expect(kept.report.foldedBatchNorms).toBe(2);
    net.dispose();
    folded.dispose();
  });
});
