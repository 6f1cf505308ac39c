import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { exposeOutputs } from '../expose-outputs';
import { GraphBuilder } from '../graph-builder';
import { OnnxError } from '../onnx-error';
import { decodeModel, encodeModel, int64 } from '../onnx-schema';

/** x -> Relu -> h -> Mul(h, w) -> y, with a 2-element weight: small enough to check by hand. */
function tinyModel(): Uint8Array {
  const g = new GraphBuilder();
  g.reserve('x');
  const h = g.node('Relu', ['x'], 'h');
  const w = g.floats('w', [2], Float32Array.of(3, 0.5));
  g.node('Mul', [h, w], 'y', {}, g.reserve('y'));
  return encodeModel(g.build('tiny', { name: 'x', dims: ['n', 2] }, [{ name: 'y', dims: ['n', 2] }], { converterVersion: 't' }));
}

describe('ONNX schema (protobufjs descriptor)', () => {
  it('round-trips a model: decode(encode(m)) keeps nodes, initializer bytes, dims and metadata', () => {
    const { model, lossless } = decodeModel(tinyModel());
    expect(lossless).toBe(true);
    expect(model.graph.node.map((n) => n.opType)).toEqual(['Relu', 'Mul']);
    const w = model.graph.initializer[0];
    expect(w.dims.map(int64)).toEqual([2]);
    expect([...new Float32Array(Uint8Array.from(w.rawData!).buffer)]).toEqual([3, 0.5]);
    expect(model.graph.input[0].type?.tensorType?.shape?.dim?.map((d) => d.dimParam ?? int64(d.dimValue))).toEqual(['n', 2]);
    expect(model.metadataProps).toEqual([{ key: 'converterVersion', value: 't' }]);
    expect(int64(model.opsetImport[0].version)).toBe(13);
  });

  it('onnxruntime-node runs what it encodes', async () => {
    const s = await ort.InferenceSession.create(tinyModel());
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 2, 4, -8), [2, 2]) });
    expect([...(out['y'].data as Float32Array)]).toEqual([0, 1, 12, 0]);
  });

  it('reports a model with fields outside the schema as not lossless', () => {
    // Append field 20 (ModelProto.training_info, not described here) as an empty length-delimited field.
    const bytes = tinyModel();
    const extended = new Uint8Array(bytes.length + 3);
    extended.set(bytes);
    extended.set([0xa2, 0x01, 0x00], bytes.length);
    expect(decodeModel(extended).lossless).toBe(false);
  });
});

describe('exposeOutputs: graph editing through the schema', () => {
  it('adds an intermediate value to the outputs and the runtime returns it', async () => {
    const edited = exposeOutputs(tinyModel(), ['h']);
    expect(decodeModel(edited).model.graph.output.map((o) => o.name)).toEqual(['y', 'h']);
    const s = await ort.InferenceSession.create(edited);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 2, 4, -8), [2, 2]) });
    expect([...(out['h'].data as Float32Array)]).toEqual([0, 2, 4, 0]);
    expect([...(out['y'].data as Float32Array)]).toEqual([0, 1, 12, 0]);
  });

  it('an existing output is not added twice', () => {
    expect(decodeModel(exposeOutputs(tinyModel(), ['y'])).model.graph.output.map((o) => o.name)).toEqual(['y']);
  });

  it('refuses an unknown value and a model it cannot re-encode losslessly', () => {
    expect(() => exposeOutputs(tinyModel(), ['nope'])).toThrow(/no value "nope"/);
    const bytes = tinyModel();
    const extended = new Uint8Array([...bytes, 0xa2, 0x01, 0x00]);
    expect(() => exposeOutputs(extended, ['h'])).toThrow(OnnxError);
  });
});
