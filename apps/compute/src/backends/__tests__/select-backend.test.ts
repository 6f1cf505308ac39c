import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { getBackend, matMul, tensor2d, tidy } from '@tensorflow/tfjs-core';
import { BackendError } from '../backend-error';
import { TENSORFLOW_PACKAGES, selectBackend } from '../select-backend';

const requireHere = createRequire(__filename);
function resolvable(pkg: string): boolean {
  try {
    requireHere.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const quiet = (): void => undefined;

describe('selectBackend', () => {
  it('auto falls back to wasm (SIMD, 1 thread under Node) when neither tfjs-node package is installed', async () => {
    // This machine cannot install tfjs-node(-gpu): their install downloads libtensorflow.
    expect(TENSORFLOW_PACKAGES.some(resolvable)).toBe(false);
    const lines: string[] = [];
    const info = await selectBackend('auto', { log: (l) => lines.push(l) });
    expect(info.name).toBe('wasm');
    expect(getBackend()).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBe(1);
    expect(info.version).toBe(info.coreVersion);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('wasm');
    expect(lines[0]).toContain('@tensorflow/tfjs-node-gpu is not installed');
    // The backend really computes.
    const y = tidy(() => matMul(tensor2d([[1, 2]]), tensor2d([[3], [4]])).dataSync()[0]);
    expect(y).toBe(11);
  });

  it('asking for tensorflow without the optional peer dependency is a specific error saying what to install', async () => {
    const err = await selectBackend('tensorflow', { log: quiet }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect((err as BackendError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as BackendError).message).toMatch(/optional peer dependenc/);
    expect((err as BackendError).message).toContain('@tensorflow/tfjs-node-gpu');
    expect((err as BackendError).message).toContain('CUDA 11.2');
  });

  it('prefers tfjs-node-gpu, then tfjs-node, in that order, and imports only what is installed', async () => {
    const asked: string[] = [];
    const imported: string[] = [];
    const isInstalled = (spec: string): boolean => {
      asked.push(spec);
      return false;
    };
    const importOptional = async (spec: string): Promise<unknown> => imported.push(spec);
    const info = await selectBackend('auto', { log: quiet, isInstalled, importOptional });
    expect(asked).toEqual(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    expect(imported).toEqual([]);
    expect(info.name).toBe('wasm');
  });

  it('an installed but broken tfjs-node is reported as an init failure with its cause, not as missing', async () => {
    const isInstalled = (spec: string): boolean => spec === '@tensorflow/tfjs-node-gpu';
    const importOptional = async (): Promise<unknown> => {
      throw new Error('libcudnn.so.8: cannot open shared object file');
    };
    const err = await selectBackend('tensorflow', { log: quiet, isInstalled, importOptional }).catch((e: unknown) => e);
    expect((err as BackendError).code).toBe('BACKEND_INIT_FAILED');
    expect((err as BackendError).message).toContain('libcudnn.so.8');
  });

  it('cpu and wasm can be chosen explicitly; unknown names are refused', async () => {
    expect((await selectBackend('cpu', { log: quiet })).name).toBe('cpu');
    expect(getBackend()).toBe('cpu');
    expect((await selectBackend('wasm', { log: quiet })).name).toBe('wasm');
    const err = await selectBackend('gpu' as never, { log: quiet }).catch((e: unknown) => e);
    expect((err as BackendError).code).toBe('UNKNOWN_BACKEND');
  });
});
