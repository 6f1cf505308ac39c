import { type io, type Tensor, type Tensor2D, type Tensor4D, dispose, mean, softmax, tidy, zeros } from '@tensorflow/tfjs-core';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import { type LayersModel, type SymbolicTensor, loadLayersModel, model as functionalModel } from '@tensorflow/tfjs-layers';
import { type FoldReport, foldBatchNorm } from './fold-batch-norm';
import { ModelError } from './model-error';
import { type ModelFileOptions } from './model-files';
import { verifiedModelHandler } from './verified-io-handler';
import { type ZooModel } from './zoo-manifest';

/** What one forward pass gives: pooled features and, when the model has a source head, its outputs. */
export interface ForwardOutputs {
  /** [batch, featureDim]. */
  features: Tensor2D;
  /** [batch, numClasses] raw pre-softmax logits, when the head exposes them (null for fused-softmax heads and headless models). */
  logits: Tensor2D | null;
  /** [batch, numClasses] source-class probabilities (softmax of the logits where the head outputs logits); null without a head. */
  probabilities: Tensor2D | null;
}

/** {@link ForwardOutputs} as plain row-major arrays (runtimes outside tfjs return these). */
export interface ArrayOutputs {
  features: Float32Array;
  logits: Float32Array | null;
  probabilities: Float32Array | null;
}

/** Where a model's forward pass runs when it is not the current tfjs backend (provenance). */
export interface ModelRuntime {
  /** e.g. `onnxruntime-node`. */
  name: string;
  version: string;
  /** Execution provider, e.g. `cpu`. */
  provider: string;
  threads: number;
  /** The file the runtime loaded (e.g. the converted .onnx), and what it was checked against. */
  modelFile: string;
  /** sha256 of that file as read (for a zoo ONNX model, the manifest's hash, checked before loading). */
  modelSha256?: string;
  /** Max relative differences to the tfjs model on real images when the file was converted, if it was. */
  verification: Record<string, number> | null;
}

/** A zoo model ready to run: one forward pass yields the feature and head taps together. */
export interface LoadedModel {
  entry: ZooModel;
  /** [height, width, channels] of one preprocessed input image. */
  inputShape: readonly [number, number, number];
  featureDim: number;
  /** Source classes, or null when the model has no head. */
  numClasses: number | null;
  /** What the inference rewrite did (null when it was off or the format has none). */
  optimizations: FoldReport | null;
  /** Number of weight values loaded (for tfjs-layers, `countParams()`), to compare with the manifest's `params`. */
  params: number;
  /**
   * Runs a preprocessed NHWC float32 batch through the model. The caller owns (and must dispose)
   * the returned tensors; every intermediate tensor is freed.
   */
  forward(images: Tensor4D): ForwardOutputs;
  /**
   * Present when the model runs outside tfjs (onnxruntime): the same forward pass on a batch held in plain
   * arrays, asynchronous. Extraction prefers it to {@link forward}, which such models cannot offer synchronously.
   */
  forwardArrays?(images: Float32Array, shape: readonly [number, number, number, number]): Promise<ArrayOutputs>;
  /** Set when the forward pass does not run on the current tfjs backend. */
  runtime?: ModelRuntime;
  /** Frees the weights. */
  dispose(): void;
}

function tapOf(net: LayersModel, model: ZooModel, layerName: string): SymbolicTensor {
  let out: SymbolicTensor | SymbolicTensor[];
  try {
    out = net.getLayer(layerName).output;
  } catch (e) {
    throw new ModelError('LAYER_NOT_FOUND', `${model.id}: layer "${layerName}" not found in the model (${(e as Error).message})`, { cause: e });
  }
  if (Array.isArray(out)) throw new ModelError('LAYER_NOT_FOUND', `${model.id}: layer "${layerName}" has several outputs; a tap needs one`);
  return out;
}

function checkFeatureTapShape(model: ZooModel, shape: readonly (number | null)[]): void {
  const want = model.featureLayerOutputShape;
  const same = shape.length === want.length && shape.every((d, i) => (want[i] === null || want[i] === -1 ? true : d === want[i]));
  if (!same) {
    throw new ModelError('TAP_SHAPE_MISMATCH', `${model.id}: feature layer ${model.featureLayer} gives [${shape.join(', ')}], the manifest says [${want.join(', ')}]`);
  }
}

function pool(t: Tensor, how: ZooModel['featurePooling']): Tensor2D {
  return (how === 'global_average' ? mean(t, [1, 2]) : t) as Tensor2D;
}

/** Builds the runner shared by both formats from a function returning the raw [feature, head?] taps. */
/** Options of {@link loadZooModel}. */
export interface LoadModelOptions extends ModelFileOptions {
  /**
   * Fold BatchNormalization into the preceding convolutions of tfjs-layers models (default true):
   * about twice as fast on wasm, same outputs up to float32 rounding (tested against the unfolded model).
   */
  foldBatchNorm?: boolean;
}

function runner(model: ZooModel, params: number, optimizations: FoldReport | null, raw: (x: Tensor4D) => Tensor[], release: () => void): LoadedModel {
  const { height, width, channels } = model.input;
  const head = model.logits;
  return {
    entry: model,
    inputShape: [height, width, channels],
    featureDim: model.featureDim,
    numClasses: head ? head.numClasses : null,
    params,
    optimizations,
    forward(images: Tensor4D): ForwardOutputs {
      const [n, h, w, c] = images.shape;
      if (h !== height || w !== width || c !== channels) {
        throw new ModelError('INPUT_SHAPE_MISMATCH', `${model.id} expects [batch, ${height}, ${width}, ${channels}] inputs, got [${n}, ${h}, ${w}, ${c}]`);
      }
      const outs = tidy(() => {
        const taps = raw(images);
        const features = pool(taps[0], model.featurePooling);
        if (!head) return [features];
        const out = taps[1] as Tensor2D;
        return head.outputIsProbability ? [features, out] : [features, softmax(out), out];
      });
      return {
        features: outs[0] as Tensor2D,
        probabilities: (outs[1] as Tensor2D | undefined) ?? null,
        logits: (outs[2] as Tensor2D | undefined) ?? null,
      };
    },
    dispose: release,
  };
}

/** Number of stored weight values (what the manifest's `params` counts). */
function storedParams(a: io.ModelArtifacts): number {
  return (a.weightSpecs ?? []).reduce((s, w) => s + w.shape.reduce((x, y) => x * y, 1), 0);
}

async function loadLayers(model: ZooModel, options: LoadModelOptions): Promise<LoadedModel> {
  const verified = verifiedModelHandler(model, options);
  let optimizations: FoldReport | null = null;
  let params = 0;
  const keep = new Set([model.featureLayer, ...(model.logits ? [model.logits.layer] : []), ...model.extraFeatureLayers.map((e) => e.layer)]);
  const net = await loadLayersModel({
    load: async () => {
      const artifacts = await (verified.load as () => Promise<io.ModelArtifacts>)();
      params = storedParams(artifacts);
      if (options.foldBatchNorm === false) return artifacts;
      const folded = await foldBatchNorm(artifacts, keep);
      optimizations = folded.report;
      return folded.artifacts;
    },
  });
  const feature = tapOf(net, model, model.featureLayer);
  checkFeatureTapShape(model, feature.shape);
  const outputs = model.logits ? [feature, tapOf(net, model, model.logits.layer)] : [feature];
  if (model.logits) {
    const shape = outputs[1].shape;
    if (shape.length !== 2 || shape[1] !== model.logits.numClasses) {
      throw new ModelError('TAP_SHAPE_MISMATCH', `${model.id}: head layer ${model.logits.layer} gives [${shape.join(', ')}], the manifest says [null, ${model.logits.numClasses}]`);
    }
  }
  // One functional model over both taps: a single forward pass computes the features and the head.
  const taps = functionalModel({ inputs: net.inputs, outputs });
  return runner(
    model,
    params,
    optimizations,
    (x) => {
      // apply() runs the graph on the whole batch; predict() would first copy it into sub-batches.
      const out = taps.apply(x, { training: false }) as Tensor | Tensor[];
      return Array.isArray(out) ? out : [out];
    },
    () => net.dispose(),
  );
}

async function loadGraph(model: ZooModel, options: ModelFileOptions): Promise<LoadedModel> {
  const net: GraphModel = await loadGraphModel(verifiedModelHandler(model, options));
  const names = model.logits ? [model.featureLayer, model.logits.layer] : [model.featureLayer];
  const params = Object.values(net.weights)
    .flat()
    .reduce((a, t) => a + t.size, 0);
  const loaded = runner(
    model,
    params,
    null,
    (x) => {
      try {
        const out = net.execute(x, names);
        return Array.isArray(out) ? out : [out];
      } catch (e) {
        throw new ModelError('LAYER_NOT_FOUND', `${model.id}: cannot read nodes ${names.join(', ')}: ${(e as Error).message}`, { cause: e });
      }
    },
    () => net.dispose(),
  );
  // A graph has no symbolic shapes to check: run one zero image to validate the node names and dims now.
  const { height, width, channels } = model.input;
  const x = zeros([1, height, width, channels]) as Tensor4D;
  let probe: ForwardOutputs;
  try {
    probe = loaded.forward(x);
  } catch (e) {
    net.dispose();
    throw e;
  } finally {
    x.dispose();
  }
  const featureShape = probe.features.shape;
  const headShape = probe.probabilities?.shape ?? null;
  dispose([probe.features, ...(probe.probabilities ? [probe.probabilities] : []), ...(probe.logits ? [probe.logits] : [])]);
  checkFeatureTapShape(model, [null, ...featureShape.slice(1)]);
  if (model.logits && (headShape === null || headShape[1] !== model.logits.numClasses)) {
    throw new ModelError('TAP_SHAPE_MISMATCH', `${model.id}: head node ${model.logits.layer} gives [${headShape?.join(', ')}], the manifest says [null, ${model.logits.numClasses}]`);
  }
  return loaded;
}

/**
 * Loads a zoo model with the current tfjs backend, reading and sha256-verifying its files
 * (downloading remote ones into `options.cacheDir`), and prepares the feature (and head) taps.
 */
export async function loadZooModel(model: ZooModel, options: LoadModelOptions = {}): Promise<LoadedModel> {
  if (model.format === 'onnx') {
    throw new ModelError('UNSUPPORTED_FORMAT', `${model.id} is an ONNX model: tfjs cannot run it; load it with loadModelForBackend (onnxruntime-node)`);
  }
  return model.format === 'tfjs-layers' ? loadLayers(model, options) : loadGraph(model, options);
}
