import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph-builder';
import { encodeModel } from '../onnx-schema';
import { OrtWorkerSession } from '../ort-worker';

/** x -> Relu -> y. */
function relu(): Uint8Array {
  const g = new GraphBuilder();
  g.reserve('x');
  g.node('Relu', ['x'], 'y', {}, g.reserve('y'));
  return encodeModel(g.build('relu', { name: 'x', dims: ['n', 2] }, [{ name: 'y', dims: ['n', 2] }], { converterVersion: 't' }));
}

describe('OrtWorkerSession (onnxruntime in a worker thread)', () => {
  it('runs a batch, takes a view of a larger buffer as just the view, and reports run errors as ORT_RUN_FAILED', async () => {
    const s = await OrtWorkerSession.open(relu(), { intraOpNumThreads: 1 });
    try {
      expect([s.inputNames, s.outputNames]).toEqual([['x'], ['y']]);
      const big = Float32Array.of(9, 9, -1, 2, 4, -8, 9);
      const out = await s.run('x', big.subarray(2, 6), [2, 2], ['y']);
      expect([...out['y']]).toEqual([0, 2, 4, 0]);
      // The caller's buffer is untouched (the worker got a copy).
      expect([...big]).toEqual([9, 9, -1, 2, 4, -8, 9]);
      await expect(s.run('nope', big.subarray(0, 4), [2, 2], ['y'])).rejects.toMatchObject({ code: 'ORT_RUN_FAILED', message: expect.stringMatching(/input 'x' is missing/) });
      // Still usable after a failed run.
      expect([...(await s.run('x', Float32Array.of(-3, 3), [1, 2], ['y']))['y']]).toEqual([0, 3]);
    } finally {
      await s.close();
    }
    await expect(s.run('x', Float32Array.of(1, 1), [1, 2], ['y'])).rejects.toMatchObject({ code: 'ORT_RUN_FAILED', message: expect.stringMatching(/exited/) });
  });

  it('a model onnxruntime cannot open is refused and its worker ends', async () => {
    await expect(OrtWorkerSession.open(Uint8Array.of(1, 2, 3), {})).rejects.toMatchObject({ code: 'ORT_RUN_FAILED' });
  });
});
