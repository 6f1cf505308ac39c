import { type LoadedModel } from '../models/load-model';
import { ModelError } from '../models/model-error';
import { type ModelFileOptions, readVerifiedFile } from '../models/model-files';
import { type ZooModel } from '../models/zoo-manifest';
import { adaptExternalGraph } from './external-graph';
import { loadOnnxModel, type OnnxProvider } from './onnx-model';
import { OnnxError } from './onnx-error';

/** Options of {@link loadExternalOnnxModel}. */
export interface ExternalOnnxOptions extends ModelFileOptions {
  /** Intra-op threads of onnxruntime (default: all cores). */
  threads?: number;
  provider?: OnnxProvider;
}

/**
 * Opens a zoo entry of `format: "onnx"` (a model the user brings, e.g. from `torch.onnx.export`) on onnxruntime-node.
 * The .onnx file is read and checked against the manifest's size and sha256 (`Sha256MismatchError` otherwise; its
 * sha256 is the entry's `weightsHash`), its graph is edited to return the named taps ({@link adaptExternalGraph}),
 * and one zero image is run to check the taps' shapes against the manifest (`TAP_SHAPE_MISMATCH`), as for tfjs
 * graph models. `model.runtime` records the provider, threads, file and sha256. There is no tfjs reference to
 * verify against: the model is what the user exported.
 */
export async function loadExternalOnnxModel(entry: ZooModel, options: ExternalOnnxOptions = {}): Promise<LoadedModel> {
  if (entry.format !== 'onnx') throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id} is a ${entry.format} model, not an ONNX file`);
  const file = entry.files.find((f) => f.role === 'topology')!;
  const bytes = await readVerifiedFile(file, options);
  const adapted = adaptExternalGraph(bytes, entry);
  const where = file.location.kind === 'file' ? file.location.path : file.location.url;
  const model = await loadOnnxModel(entry, adapted.bytes, { threads: options.threads, provider: options.provider, modelFile: where, modelSha256: file.sha256, verification: null, names: adapted.names });
  try {
    await probe(model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** Runs one zero image and checks the feature and head sizes against the manifest. */
async function probe(model: LoadedModel): Promise<void> {
  const entry = model.entry;
  const [h, w, c] = model.inputShape;
  let out;
  try {
    out = await model.forwardArrays!(new Float32Array(h * w * c), [1, h, w, c]);
  } catch (e) {
    throw new OnnxError('ORT_UNAVAILABLE', `${entry.id}: a test run of one zero image failed: ${(e as Error).message}`, { cause: e });
  }
  if (out.features.length !== entry.featureDim) {
    throw new ModelError('TAP_SHAPE_MISMATCH', `${entry.id}: feature tap ${entry.featureLayer} gives ${out.features.length} values per image${entry.featurePooling === 'global_average' ? ' after pooling' : ''}, the manifest says featureDim ${entry.featureDim}`);
  }
  if (entry.logits && out.probabilities?.length !== entry.logits.numClasses) {
    throw new ModelError('TAP_SHAPE_MISMATCH', `${entry.id}: head tap ${entry.logits.layer} gives ${out.probabilities?.length} values per image, the manifest says ${entry.logits.numClasses} classes`);
  }
}
