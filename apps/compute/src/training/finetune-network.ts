import { type Tensor, type Tensor2D, tensor1d, tensor2d, version_core } from '@tensorflow/tfjs-core';
import { type LayersModel, type SymbolicTensor, layers, loadLayersModel, model as functionalModel } from '@tensorflow/tfjs-layers';
import { createRng, type Rng } from '@transferscope/stats';
import { type BackendInfo, missingTrainingKernels, TENSORFLOW_PACKAGES } from '../backends/select-backend';
import { type ModelFileOptions } from '../models/model-files';
import { verifiedModelHandler } from '../models/verified-io-handler';
import { type ZooModel } from '../models/zoo-manifest';
import { FinetuneError } from './finetune-error';

/** Layer classes that draw random numbers per call and take a seed (re-seeded before every step, so runs repeat). */
const SEEDED_RANDOM_LAYERS = new Set(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D']);
/** Layer classes that draw random numbers in training mode and offer no seed: a run through them could not repeat. */
const UNSEEDABLE_RANDOM_LAYERS = new Set(['GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

const HEAD_NAME = 'transferscope_finetune_head';
const POOL_NAME = 'transferscope_finetune_pool';

/** How to turn a source network into the network `finetune` trains. */
export interface FinetuneNetworkOptions {
  /** The layer whose output is the feature tap (the zoo entry's `featureLayer`); layers after it are dropped. */
  featureLayer: string;
  /** `global_average` averages a [batch, h, w, c] tap over h and w (as extraction does); `none` takes a [batch, d] tap. */
  featurePooling: 'none' | 'global_average';
  /** Target classes: the new head's width. */
  classes: number;
  /** Seeds the new head's initial weights and every dropout mask. */
  seed: number;
  /**
   * Freeze this layer and every layer before it in the network's topological order: their weights and batch-norm
   * statistics stay as loaded, and they run in inference mode (a frozen BatchNormalization uses its moving
   * statistics, a frozen Dropout passes its input through), as Keras treats `trainable = false`.
   * Default: every layer trains, whatever `trainable` flags the exported model carries.
   */
  freezeThrough?: string;
}

/** A source network cut at its feature layer, with a new linear head for the target classes. */
export interface FinetuneNetwork {
  /** [batch, h, w, c] images to [batch, classes] logits. */
  model: LayersModel;
  classes: number;
  /** [h, w, c] of one input image. */
  inputShape: readonly [number, number, number];
  featureDim: number;
  /** Names of the frozen layers (empty when every layer trains). */
  frozen: string[];
  /** Number of values the optimiser updates. */
  trainableParams: number;
  /** Draws new seeds for the dropout layers from `rng`: called once before every training step. */
  reseedRandomLayers(rng: Rng): void;
  /** Frees every weight of the network (the source model's included). */
  dispose(): void;
}

/**
 * Builds the network that `finetune` trains from a loaded tfjs layers model: its graph from the input to
 * `featureLayer` (global-average pooled where asked), then a new dense layer `features -> classes` initialised as
 * torch.nn.Linear is (weights and bias uniform in [-1/sqrt(D), 1/sqrt(D)], drawn from libs/stats' generator seeded
 * with `seed`). The layers are shared with `base`, which must not be used for anything else afterwards.
 *
 * @throws FinetuneError `LAYER_NOT_FOUND` (feature layer or freeze layer), `UNSEEDABLE_LAYER` (a trainable layer
 *   whose randomness cannot be seeded), RangeError for a feature tap whose rank does not fit `featurePooling`.
 */
export function buildFinetuneNetwork(base: LayersModel, options: FinetuneNetworkOptions): FinetuneNetwork {
  const { featureLayer, featurePooling, classes, seed } = options;
  if (!Number.isInteger(classes) || classes < 2) throw new RangeError(`classes must be an integer >= 2, got ${classes}`);
  const tap = layerOutput(base, featureLayer);
  const rank = tap.shape.length;
  if ((featurePooling === 'global_average' && rank !== 4) || (featurePooling === 'none' && rank !== 2)) {
    throw new RangeError(`feature layer ${featureLayer} gives [${tap.shape.join(', ')}]; featurePooling "${featurePooling}" needs rank ${featurePooling === 'none' ? 2 : 4}`);
  }
  const features = featurePooling === 'global_average' ? (layers.globalAveragePooling2d({ name: POOL_NAME }).apply(tap) as SymbolicTensor) : tap;
  const featureDim = features.shape[1]!;
  const head = layers.dense({ units: classes, name: HEAD_NAME });
  const logits = head.apply(features) as SymbolicTensor;
  const model = functionalModel({ inputs: base.inputs, outputs: logits });
  initialiseHead(head.getWeights().map((w) => w.shape) as [number[], number[]], featureDim, classes, seed, (values) => head.setWeights(values));

  // Topological order: every layer a frozen layer depends on comes before it.
  const ordered = model.layers;
  let frozenUpTo = -1;
  if (options.freezeThrough !== undefined) {
    frozenUpTo = ordered.findIndex((layer) => layer.name === options.freezeThrough);
    if (frozenUpTo < 0) throw new FinetuneError('LAYER_NOT_FOUND', `freezeThrough: layer "${options.freezeThrough}" is not between the input and the feature layer ${featureLayer}`);
  }
  const frozen: string[] = [];
  const randomLayers: { seed?: number }[] = [];
  ordered.forEach((layer, index) => {
    const isFrozen = index <= frozenUpTo;
    layer.trainable = !isFrozen;
    const kind = layer.getClassName();
    if (isFrozen) {
      frozen.push(layer.name);
      const call = layer.call.bind(layer);
      layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
    } else if (UNSEEDABLE_RANDOM_LAYERS.has(kind)) {
      throw new FinetuneError('UNSEEDABLE_LAYER', `layer ${layer.name} (${kind}) draws unseeded random numbers in training; freeze it (freezeThrough) or remove it`);
    } else if (SEEDED_RANDOM_LAYERS.has(kind)) {
      // tfjs-layers keeps the constructor's seed in this field and passes it to tf.dropout on every call.
      randomLayers.push(layer as unknown as { seed?: number });
    }
  });
  const [height, width, channels] = base.inputs[0]!.shape.slice(1) as [number, number, number];
  return {
    model,
    classes,
    inputShape: [height, width, channels],
    featureDim,
    frozen,
    trainableParams: model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a! * b!, 1)!, 0),
    reseedRandomLayers(rng: Rng) {
      for (const layer of randomLayers) layer.seed = rng.nextUint32();
    },
    dispose() {
      model.dispose();
      // The layers the network does not use (the source head) belong to the source model only.
      for (const layer of base.layers) if (!model.layers.includes(layer)) layer.dispose();
    },
  };
}

/**
 * Loads a zoo model for fine-tuning: sha256-verified files, no inference rewrite (BatchNormalization must stay a
 * layer to train), and builds {@link buildFinetuneNetwork} on its feature layer.
 *
 * @throws FinetuneError `GRAPH_MODEL` for tfjs graph models, before any file is read.
 */
export async function loadFinetuneNetwork(entry: ZooModel, options: Omit<FinetuneNetworkOptions, 'featureLayer' | 'featurePooling'> & ModelFileOptions): Promise<FinetuneNetwork> {
  refuseGraphModels([entry]);
  const base = await loadLayersModel(verifiedModelHandler(entry, options));
  try {
    return buildFinetuneNetwork(base, { ...options, featureLayer: entry.featureLayer, featurePooling: entry.featurePooling });
  } catch (error) {
    base.dispose();
    throw error;
  }
}

/**
 * Refuses, before any work starts, a `finetune` run that cannot succeed: a tfjs backend without the CNN gradient
 * kernels (wasm), or a model that is a tfjs graph model. The message names what to use instead.
 */
export function assertFinetunable(backend: Pick<BackendInfo, 'name' | 'canTrainCnn'>, models: readonly ZooModel[]): void {
  if (!backend.canTrainCnn) {
    const missing = missingTrainingKernels(backend.name);
    throw new FinetuneError(
      'BACKEND_CANNOT_TRAIN',
      `protocol "finetune" trains CNNs, and the "${backend.name}" tfjs backend cannot: it registers no ${missing.join(', ')} kernel${missing.length > 1 ? 's' : ''}. ` +
        `Use backend "tensorflow" (install ${TENSORFLOW_PACKAGES[0]} for an NVIDIA GPU — CUDA 11.2 and cuDNN 8.1 — or ${TENSORFLOW_PACKAGES[1]} for native CPU TensorFlow, ` +
        `at the version of @tensorflow/tfjs-core: npm install -w apps/compute ${TENSORFLOW_PACKAGES[0]}@${version_core}), ` +
        `or "cpu" (pure JavaScript: only practical for tiny models). "auto" picks wasm when neither package is installed. ` +
        `Or use protocol "linear-probe", which runs on every backend.`,
    );
  }
  refuseGraphModels(models);
}

function refuseGraphModels(models: readonly ZooModel[]): void {
  const graphs = models.filter((m) => m.format !== 'tfjs-layers');
  if (graphs.length > 0) {
    throw new FinetuneError(
      'GRAPH_MODEL',
      `protocol "finetune" cannot train ${graphs.map((m) => `${m.id} (${m.format})`).join(', ')}: only tfjs layers models can be fine-tuned; ` +
        `tfjs graph models are frozen TensorFlow graphs whose weights tfjs can neither differentiate nor update. ` +
        `Leave ${graphs.length > 1 ? 'these models' : 'this model'} out of "models", or use protocol "linear-probe".`,
    );
  }
}

function layerOutput(base: LayersModel, name: string): SymbolicTensor {
  let output: SymbolicTensor | SymbolicTensor[];
  try {
    output = base.getLayer(name).output;
  } catch (error) {
    throw new FinetuneError('LAYER_NOT_FOUND', `feature layer "${name}" is not in the model (${(error as Error).message})`, { cause: error });
  }
  if (Array.isArray(output)) throw new FinetuneError('LAYER_NOT_FOUND', `feature layer "${name}" has several outputs; the head needs one`);
  return output;
}

/** torch.nn.Linear's initialisation, U(-1/sqrt(D), 1/sqrt(D)) for weights and bias, from a seeded stream. */
function initialiseHead(shapes: [number[], number[]], featureDim: number, classes: number, seed: number, set: (values: Tensor[]) => void): void {
  const random = createRng(seed);
  const bound = 1 / Math.sqrt(featureDim);
  const kernel = new Float32Array(featureDim * classes);
  const bias = new Float32Array(classes);
  for (let i = 0; i < kernel.length; i++) kernel[i] = (2 * random.nextFloat() - 1) * bound;
  for (let c = 0; c < classes; c++) bias[c] = (2 * random.nextFloat() - 1) * bound;
  const values: [Tensor2D, Tensor] = [tensor2d(kernel, shapes[0] as [number, number]), tensor1d(bias)];
  set(values);
  values.forEach((t) => t.dispose());
}
