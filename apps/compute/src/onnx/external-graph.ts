import { type ZooModel } from '../models/zoo-manifest';
import { type OnnxIoNames } from './onnx-model';
import { OnnxError } from './onnx-error';
import { ATTR_INT, ATTR_INTS, decodeModel, encodeModel, int64, type OnnxNode, type OnnxValueInfo, ONNX_FLOAT } from './onnx-schema';

/**
 * Prepares an ONNX model that a user brings (`format: "onnx"` in zoo.json) for extraction: the zoo entry names
 * the input and the feature and head taps by tensor name, and this edits the graph, through the ONNX schema
 * (protobufjs; never as bytes or text), so that one run returns exactly those taps:
 *
 * - a tap that is not a graph output is added to the outputs (see {@link exposeOutputs}: its type comes from
 *   `value_info` where the exporter recorded it, else onnxruntime infers it when it opens the session);
 * - `featurePooling: "global_average"` on a rank-4 (NCHW) tap appends GlobalAveragePool + Flatten;
 * - a head that outputs logits gets a Softmax for the probabilities (the logits are returned too);
 * - an NCHW input gets a Transpose in front, so the graph takes the NHWC batches extraction produces;
 * - the graph's other outputs are dropped, so onnxruntime prunes the branches no tap needs.
 *
 * Returns the edited bytes and the names {@link loadOnnxModel} feeds and reads. New values get fresh names
 * (`features`, or `features_1` when the graph already uses `features`).
 *
 * Throws `VALUE_NOT_FOUND` naming the tensor, the graph and similar names when the input or a tap does
 * not exist; `UNSUPPORTED_CONFIG` for a non-float32 input or an input whose static shape disagrees with
 * the manifest; `UNSUPPORTED_ONNX_FIELDS` for a model that uses fields outside our schema (re-encoding
 * would drop them: external tensor data, sparse initializers, training info).
 */
export function adaptExternalGraph(bytes: Uint8Array, entry: ZooModel): { bytes: Uint8Array; names: OnnxIoNames } {
  const { model, lossless } = decodeModel(bytes);
  if (!lossless) {
    throw new OnnxError('UNSUPPORTED_ONNX_FIELDS', `${entry.id}: the model uses ONNX fields outside the schema this build describes (external data, sparse or training parts?); editing it would drop them`);
  }
  const graph = model.graph;
  if (!graph) throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id}: the file has no graph`);
  graph.valueInfo ??= [];
  const initializers = new Set(graph.initializer.map((t) => t.name));
  // IR < 4 lists initializers among the inputs too; those are weights, not inputs.
  const inputs = graph.input.filter((i) => !initializers.has(i.name));
  const produced = new Set([...graph.node.flatMap((n) => n.output), ...inputs.map((i) => i.name), ...initializers]);
  const used = new Set([...produced, ...graph.node.flatMap((n) => n.input)]);
  const fresh = (hint: string): string => {
    let name = hint;
    for (let k = 1; used.has(name); k++) name = `${hint}_${k}`;
    used.add(name);
    return name;
  };
  const inputName = entry.inputName ?? '';
  const declared = inputs.find((i) => i.name === inputName);
  if (!declared) {
    throw new OnnxError('VALUE_NOT_FOUND', `${entry.id}: inputName "${inputName}" is not an input of graph "${graph.name}"; its inputs are: ${inputs.map((i) => i.name).join(', ') || 'none'}`);
  }
  const taps = [{ what: 'featureLayer', name: entry.featureLayer }, ...(entry.logits ? [{ what: 'logits.layer', name: entry.logits.layer }] : [])];
  for (const tap of taps) {
    if (!produced.has(tap.name)) throw new OnnxError('VALUE_NOT_FOUND', `${entry.id}: ${tap.what} "${tap.name}" is not a tensor of graph "${graph.name}"${suggest(tap.name, produced)}`);
  }
  const names: OnnxIoNames = { input: inputName, features: entry.featureLayer, probabilities: '', logits: '' };
  const outputs: OnnxValueInfo[] = [];
  const known = new Map([...graph.valueInfo, ...graph.output].map((v) => [v.name, v]));
  const expose = (name: string): void => {
    if (!outputs.some((o) => o.name === name)) outputs.push(known.get(name) ?? { name });
  };
  const typed = (name: string): OnnxValueInfo => ({ name, type: { tensorType: { elemType: ONNX_FLOAT } } });

  checkInput(entry, declared);
  if (entry.input.layout === 'NCHW') {
    // Extraction hands over NHWC batches; a Transpose in front keeps that contract for channels-first models.
    const { height, width, channels } = entry.input;
    names.input = fresh(`${inputName}_nhwc`);
    graph.node.unshift(node('Transpose', [names.input], inputName, { perm: [0, 3, 1, 2] }));
    graph.input[graph.input.indexOf(declared)] = {
      name: names.input,
      type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: height }, { dimValue: width }, { dimValue: channels }] } } },
    };
  }
  if (entry.featurePooling === 'global_average') {
    const pooled = fresh(`${entry.featureLayer}_pool`);
    names.features = fresh('features');
    graph.node.push(node('GlobalAveragePool', [entry.featureLayer], pooled), node('Flatten', [pooled], names.features, { axis: 1 }));
    outputs.push(typed(names.features));
  } else {
    expose(entry.featureLayer);
  }
  if (entry.logits) {
    if (entry.logits.outputIsProbability) {
      names.probabilities = entry.logits.layer;
      expose(entry.logits.layer);
    } else {
      names.logits = entry.logits.layer;
      names.probabilities = fresh('probabilities');
      graph.node.push(node('Softmax', [entry.logits.layer], names.probabilities, { axis: -1 }));
      expose(entry.logits.layer);
      outputs.push(typed(names.probabilities));
    }
  }
  graph.output = outputs;
  return { bytes: encodeModel(model), names };
}

function node(opType: string, input: string[], output: string, attrs: Record<string, number | number[]> = {}): OnnxNode {
  return {
    opType,
    name: output,
    input,
    output: [output],
    attribute: Object.entries(attrs).map(([name, v]) => (Array.isArray(v) ? { name, type: ATTR_INTS, ints: v } : { name, type: ATTR_INT, i: v })),
  };
}

/** The input must take float32 and, where its shape is static, the size the manifest's preprocessing produces. */
function checkInput(entry: ZooModel, input: OnnxValueInfo): void {
  const tensor = input.type?.tensorType;
  if (tensor?.elemType !== undefined && tensor.elemType !== ONNX_FLOAT) {
    throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id}: input "${input.name}" has ONNX element type ${tensor.elemType}; the zoo's preprocessing produces float32 (type 1)`);
  }
  const dims = tensor?.shape?.dim;
  if (!dims) return;
  const { height, width, channels, layout } = entry.input;
  const want = layout === 'NCHW' ? [channels, height, width] : [height, width, channels];
  const got = dims.map((d) => (d.dimValue !== undefined ? int64(d.dimValue) : (d.dimParam ?? '?')));
  const clash = got.length !== 4 || got.slice(1).some((d, i) => typeof d === 'number' && d !== want[i]);
  if (clash) {
    throw new OnnxError('UNSUPPORTED_CONFIG', `${entry.id}: input "${input.name}" has shape [${got.join(', ')}], the manifest's input is ${layout} [batch, ${want.join(', ')}]`);
  }
}

/** `; similar names: a, b, c` (names that contain the asked one or that it contains, case-insensitive), else a count. */
function suggest(name: string, names: Set<string>): string {
  const q = name.toLowerCase();
  const near = [...names].filter((n) => n.toLowerCase().includes(q) || q.includes(n.toLowerCase())).slice(0, 5);
  return near.length ? `; similar names: ${near.join(', ')}` : ` (it has ${names.size} tensors; list them with an ONNX viewer such as Netron)`;
}

