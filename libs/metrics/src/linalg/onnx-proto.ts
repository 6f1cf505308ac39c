/**
 * A minimal protobuf (proto3 wire format) encoder for the handful of ONNX messages we need to build
 * tiny in-memory graphs (one MatMul or Gemm node) for onnxruntime.
 *
 * Why our own: the only protobuf library installed is Apollo-internal, and ONNX needs just five wire
 * features: varint (wire type 0), length-delimited bytes/strings/sub-messages (wire type 2) and one
 * 32-bit float (wire type 5). Field numbers follow onnx/onnx.proto3 (ONNX IR version 8).
 */

const enum WireType {
  Varint = 0,
  Fixed32 = 5,
  LengthDelimited = 2,
}

/** ONNX TensorProto.DataType codes used here. */
export const ONNX_DOUBLE = 11;
/** ONNX AttributeProto.AttributeType codes used here. */
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: number): void {
    // Only non-negative integers below 2^53 occur in our graphs (field tags, sizes, small enums).
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }

  private tag(field: number, wire: WireType): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, WireType.Varint);
    this.varint(value);
    return this;
  }

  float32(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    const buf = new DataView(new ArrayBuffer(4));
    buf.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(buf.getUint8(i));
    return this;
  }

  bytesField(field: number, payload: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.varint(payload.length);
    for (const b of payload) this.bytes.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytesField(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** A dimension of a tensor shape: a fixed size or a symbolic name (so one session serves every size). */
export type OnnxDim = number | string;

export interface OnnxTensorInfo {
  name: string;
  dims: readonly OnnxDim[];
}

export type OnnxAttribute =
  | { name: string; value: number; kind: 'int' | 'float' }
  | { name: string; value: readonly number[]; kind: 'ints' };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  inputs: readonly OnnxTensorInfo[];
  outputs: readonly OnnxTensorInfo[];
  /** Default opset 17 (MatMul-13, Gemm-13). */
  opset?: number;
}

function valueInfo(info: OnnxTensorInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of info.dims) {
    // TensorShapeProto.Dimension: dim_value = 1, dim_param = 2.
    const dim = typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d);
    shape.message(1, dim);
  }
  // TypeProto.Tensor: elem_type = 1, shape = 2; TypeProto: tensor_type = 1.
  const tensor = new ProtoWriter().int(1, ONNX_DOUBLE).message(2, shape);
  const type = new ProtoWriter().message(1, tensor);
  // ValueInfoProto: name = 1, type = 2.
  return new ProtoWriter().string(1, info.name).message(2, type);
}

function node(n: OnnxNode, index: number): ProtoWriter {
  // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.opType}_${index}`).string(4, n.opType);
  for (const a of n.attributes ?? []) {
    // AttributeProto: name = 1, f = 2, i = 3, ints = 8 (unpacked repeated varints are valid proto3), type = 20.
    const attr = new ProtoWriter().string(1, a.name);
    if (a.kind === 'ints') {
      for (const v of a.value) attr.int(8, v);
      attr.int(20, ATTRIBUTE_INTS);
    } else if (a.kind === 'int') attr.int(3, a.value).int(20, ATTRIBUTE_INT);
    else attr.float32(2, a.value).int(20, ATTRIBUTE_FLOAT);
    w.message(5, attr);
  }
  return w;
}

/**
 * Encodes a ModelProto (ir_version = 1, producer_name = 2, graph = 7, opset_import = 8) holding `graph`.
 * GraphProto: node = 1, name = 2, input = 11, output = 12. OperatorSetIdProto: domain = 1, version = 2.
 */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  const g = new ProtoWriter();
  graph.nodes.forEach((n, i) => g.message(1, node(n, i)));
  g.string(2, graph.name);
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));
  const opset = new ProtoWriter().string(1, '').int(2, graph.opset ?? 17);
  return new ProtoWriter().int(1, 8).string(2, 'transferscope').message(7, g).message(8, opset).finish();
}
