import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@transferscope/stats';
import { selectBackend } from '../../backends/select-backend';
import { ZOO } from '../../models/__tests__/verify-images';
import { findZooModel, loadZooManifest, type ZooManifest } from '../../models/zoo-manifest';
import { assertFinetunable, loadFinetuneNetwork } from '../finetune-network';
import { finetune, inMemoryData, type ImageSplit } from '../finetune';

let zoo: ZooManifest;

beforeAll(async () => {
  await selectBackend('cpu', { log: () => undefined });
  zoo = await loadZooManifest({ zoo: ZOO });
});

/** n uniform [0, 1) images of the model's input size (the pipeline from real images is the study's test). */
function noiseImages(n: number, [h, w, c]: readonly [number, number, number], classes: number, seed: number): ImageSplit {
  const random = createRng(seed);
  return {
    images: Float32Array.from({ length: n * h * w * c }, () => random.nextFloat()),
    labels: Int32Array.from({ length: n }, (_, i) => i % classes),
    shape: [n, h, w, c],
  };
}

describe('finetune on zoo models', () => {
  it('refuses the graph model, and only it, before reading any file', async () => {
    expect(() => assertFinetunable({ name: 'cpu', canTrainCnn: true }, zoo.models)).toThrow(
      /cannot train nsfwjs-mobilenetv2-mid \(tfjs-graph\): only tfjs layers models can be fine-tuned; tfjs graph models are frozen TensorFlow graphs/,
    );
    expect(() => assertFinetunable({ name: 'cpu', canTrainCnn: true }, zoo.models.filter((m) => m.format === 'tfjs-layers'))).not.toThrow();
    // A relocated copy whose files do not exist: the refusal comes before any read.
    const graph = { ...findZooModel(zoo, 'nsfwjs-mobilenetv2-mid'), files: [] };
    await expect(loadFinetuneNetwork(graph, { classes: 4, seed: 0 })).rejects.toMatchObject({ code: 'GRAPH_MODEL' });
  });

  it('builds the network of every layers model: the feature layer, then the new head', async () => {
    for (const entry of zoo.models.filter((m) => m.format === 'tfjs-layers')) {
      const network = await loadFinetuneNetwork(entry, { classes: 3, seed: 0 });
      expect(network.featureDim, entry.id).toBe(entry.featureDim);
      expect(network.model.outputs[0]!.shape, entry.id).toEqual([null, 3]);
      expect(network.inputShape, entry.id).toEqual([entry.input.height, entry.input.width, entry.input.channels]);
      network.dispose();
    }
  }, 120_000);

  it('trains DoodleNet (the smallest layers model) cut at its feature layer, with a new 4-class head', async () => {
    const entry = findZooModel(zoo, 'doodlenet-quickdraw345');
    const network = await loadFinetuneNetwork(entry, { classes: 4, seed: 0 });
    expect(network.inputShape).toEqual([28, 28, 1]);
    expect(network.featureDim).toBe(entry.featureDim);
    // Every source weight up to the feature layer (the 345-class head is dropped) plus the new 512 x 4 head.
    expect(network.trainableParams).toBe(entry.params - (512 * 345 + 345) + (512 * 4 + 4));
    const firstConvolution = () => network.model.getLayer('conv2d').getWeights()[0]!.dataSync().slice();
    const before = firstConvolution();
    const schedule = { learningRate: 0.01, weightDecay: 1e-5, epochs: 1, batchSize: 8, momentum: 0.9, nesterov: true, minLearningRate: 1e-6 };
    const data = inMemoryData(noiseImages(16, network.inputShape, 4, 1), noiseImages(8, network.inputShape, 4, 2), schedule.batchSize, 0);
    const run = await finetune(network, data, schedule, 0);
    expect(run.steps).toBe(2);
    expect(Number.isFinite(run.epochs[0]!.valLoss)).toBe(true);
    // The first convolution, farthest from the head, moved: the whole network trains.
    expect(firstConvolution()).not.toEqual(before);
    console.info(`doodlenet-quickdraw345 finetune step on cpu, batch 8 of 28x28x1: ${(run.secondsPerStep * 1000).toFixed(0)} ms`);
    network.dispose();
  }, 60_000);
});
