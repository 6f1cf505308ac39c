import { OnnxError } from './onnx-error';
import { decodeModel, encodeModel, type OnnxValueInfo } from './onnx-schema';

/**
 * Adds intermediate values of an ONNX graph to its outputs, so that one run returns them (a feature tap
 * that an exported model does not expose). The model is decoded and re-encoded through the ONNX schema
 * (protobufjs), never edited as bytes or text. The type of an exposed value is taken from the graph's
 * `value_info` when it is recorded there and otherwise left for the runtime to infer.
 *
 * Throws `VALUE_NOT_FOUND` for a name no node produces, and `UNSUPPORTED_ONNX_FIELDS` for a model that
 * uses fields outside our schema (re-encoding would drop them).
 */
export function exposeOutputs(bytes: Uint8Array, names: readonly string[]): Uint8Array {
  const { model, lossless } = decodeModel(bytes);
  if (!lossless) throw new OnnxError('UNSUPPORTED_ONNX_FIELDS', 'the model uses ONNX fields outside the schema this build describes; editing it would drop them');
  const graph = model.graph;
  const produced = new Set([...graph.node.flatMap((n) => n.output), ...graph.input.map((i) => i.name), ...graph.initializer.map((t) => t.name)]);
  const outputs = new Set(graph.output.map((o) => o.name));
  const known = new Map((graph.valueInfo ?? []).map((v) => [v.name, v]));
  for (const name of names) {
    if (!produced.has(name)) throw new OnnxError('VALUE_NOT_FOUND', `no value "${name}" in graph ${graph.name}`);
    if (outputs.has(name)) continue;
    const info: OnnxValueInfo = known.get(name) ?? { name };
    graph.output.push(info);
    outputs.add(name);
  }
  return encodeModel(model);
}
