import { ATTR_FLOAT, ATTR_INT, ATTR_INTS, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo, ONNX_FLOAT, ONNX_INT64 } from './onnx-schema';

/** An attribute value: a float, an int, or a list of ints (all the converter needs). */
export type AttrValue = { float: number } | number | readonly number[];

/** Opset the converter targets: every op it emits has its current semantics since opset 13. */
export const OPSET = 13;
/** IR version 8 (ONNX 1.10+) reads opset 13. */
export const IR_VERSION = 8;

function attribute(name: string, v: AttrValue): OnnxAttribute {
  if (typeof v === 'number') return { name, type: ATTR_INT, i: v };
  if (Array.isArray(v)) return { name, type: ATTR_INTS, ints: [...(v as number[])] };
  return { name, type: ATTR_FLOAT, f: (v as { float: number }).float };
}

/** Little-endian bytes of a typed array (ONNX raw_data), without a copy on little-endian hosts. */
function rawBytes(values: Float32Array | BigInt64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** A tensor value: name plus static dims (a string names a symbolic dim such as the batch). */
export interface ValueSpec {
  name: string;
  dims: readonly (number | string)[];
}

function valueInfo(v: ValueSpec): OnnxValueInfo {
  return {
    name: v.name,
    type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Accumulates nodes and initializers with unique value names, then emits one ONNX model. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet, derived from `hint`. */
  fresh(hint: string): string {
    let name = hint;
    for (let k = 1; this.used.has(name); k++) name = `${hint}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name given by the caller (graph inputs and outputs). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`value name "${name}" is already used`);
    this.used.add(name);
    return name;
  }

  /** A float32 constant. `values.length` must equal the product of `dims`. */
  floats(hint: string, dims: readonly number[], values: Float32Array): string {
    const size = dims.reduce((a, b) => a * b, 1);
    if (values.length !== size) throw new Error(`initializer ${hint}: ${values.length} values for dims [${dims.join(', ')}]`);
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_FLOAT, rawData: rawBytes(values) });
    return name;
  }

  /** An int64 constant vector (shapes, pads, axes). */
  int64s(hint: string, values: readonly number[]): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_INT64, rawData: rawBytes(BigInt64Array.from(values.map((v) => BigInt(v)))) });
    return name;
  }

  /** Adds a node and returns its (single) output name. */
  node(opType: string, inputs: readonly string[], hint: string, attrs: Record<string, AttrValue> = {}, output?: string): string {
    const out = output ?? this.fresh(hint);
    this.nodes.push({ opType, name: out, input: [...inputs], output: [out], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) });
    return out;
  }

  /** The finished model: one float32 input, the given outputs, opset {@link OPSET}. */
  build(name: string, input: ValueSpec, outputs: readonly ValueSpec[], metadata: Record<string, string>): OnnxModel {
    return {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'transferscope',
      producerVersion: metadata['converterVersion'] ?? '',
      graph: { name, node: this.nodes, initializer: this.initializers, input: [valueInfo(input)], output: outputs.map(valueInfo) },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    };
  }
}
