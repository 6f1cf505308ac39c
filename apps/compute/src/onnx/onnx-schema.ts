import protobuf from 'protobufjs';

/**
 * The part of the ONNX schema (onnx/onnx.proto, IR version 8) that Transferscope reads and writes,
 * as a protobufjs reflection descriptor: the message and field names and numbers are the official
 * ones, so files written here load in onnxruntime and files exported elsewhere (torch.onnx, tf2onnx)
 * decode here. Fields we never use are left out: protobufjs skips unknown fields when decoding, so
 * {@link decodeModel} reports (`lossless: false`) a model that uses any, and graph edits refuse it
 * rather than silently dropping parts of it.
 *
 * Why protobufjs and not the hand-written encoder in `@transferscope/metrics` (`linalg/onnx-proto.ts`):
 * editing an existing graph (exposing an intermediate value as an output) needs a decoder too, and the
 * converted zoo models carry up to 90 MB of weights, which a byte-array encoder copies element by element.
 */
const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            docString: { type: 'string', id: 13 },
            type: { type: 'AttributeType', id: 20 },
          },
          nested: {
            AttributeType: {
              values: { UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10 },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32Data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            int64Data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            docString: { type: 'string', id: 12 },
          },
          nested: {
            DataType: {
              values: { UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9, FLOAT16: 10, DOUBLE: 11 },
            },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dimension', id: 1 },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const ModelProtoType = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType codes used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
/** AttributeProto.AttributeType codes used here. */
export const ATTR_FLOAT = 1;
export const ATTR_INT = 2;
export const ATTR_INTS = 7;

/** A protobuf int64 as protobufjs gives it (a Long when the `long` package is present) or as we write it. */
export type Int64 = number | { toNumber(): number };

export interface OnnxDimension {
  dimValue?: Int64;
  dimParam?: string;
}

export interface OnnxValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: OnnxDimension[] } } };
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: Int64;
  ints?: Int64[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}

export interface OnnxTensor {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int64Data?: Int64[];
}

export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: Int64;
  opsetImport: { domain?: string; version: Int64 }[];
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  graph: OnnxGraph;
  metadataProps?: { key: string; value: string }[];
}

/** A protobuf int64 read back as a JS number (ONNX dims and attributes stay far below 2^53). */
export function int64(v: Int64 | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Serialises a model to ONNX protobuf bytes. Throws on a structurally invalid message. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const message = ModelProtoType.fromObject(model);
  const problem = ModelProtoType.verify(message);
  if (problem) throw new Error(`invalid ONNX ModelProto: ${problem}`);
  return ModelProtoType.encode(message).finish();
}

/**
 * Parses ONNX protobuf bytes. `lossless` tells whether the schema described every byte: protobufjs skips
 * fields it does not know, so a model re-encoded to fewer bytes than it had used some field outside this schema.
 */
export function decodeModel(bytes: Uint8Array): { model: OnnxModel; lossless: boolean } {
  const message = ModelProtoType.decode(bytes);
  const lossless = ModelProtoType.encode(message).finish().length === bytes.length;
  return { model: ModelProtoType.toObject(message, { arrays: true, defaults: false }) as unknown as OnnxModel, lossless };
}
