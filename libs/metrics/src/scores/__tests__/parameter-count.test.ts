import { describe, expect, it } from 'vitest';
import { PluginError, assertMetricDefinition, createRegistry } from '../../registry/registry';
import { validateMetric } from '../../registry/validate';
import { scoreAll } from '../../score-all';
import { parameterCount } from '../parameter-count';

describe('parameter_count', () => {
  it('is the parameter count (higher = better), ranking bigger models first', async () => {
    expect(parameterCount({ parameters: 25_557_032 }).value).toBe(25_557_032);
    const m = createRegistry().get('parameter_count');
    expect(m.direction).toBe('higher');
    expect(m.kind).toBe('static-baseline');
    expect(m.metadata).toEqual(['parameters']);
    const small = await scoreAll({ labels: [0, 1, 0, 1], model: { parameters: 11_689_512 } }, ['parameter_count']);
    const big = await scoreAll({ labels: [0, 1, 0, 1], model: { parameters: 60_192_808 } }, ['parameter_count']);
    expect(big.values['parameter_count']).toBeGreaterThan(small.values['parameter_count']);
    expect((await validateMetric(m)).passed).toBe(true);
  });

  it('is skipped without metadata; refuses a non-integer or non-positive count', async () => {
    const r = await scoreAll({ labels: [0, 1, 0, 1] }, ['parameter_count']);
    expect(r.skipped['parameter_count']).toBe('missing input: modelMetadata.parameters');
    for (const parameters of [0, -5, 1.5, Number.POSITIVE_INFINITY]) {
      expect(() => parameterCount({ parameters })).toThrow(expect.objectContaining({ code: 'metadata_out_of_range' }));
    }
    expect(() => parameterCount({})).toThrow(expect.objectContaining({ code: 'metadata_missing' }));
  });

  it('the contract: metadata fields only with modelMetadata, known kinds, static baselines read no target data', () => {
    const base = createRegistry().get('parameter_count');
    expect(() => assertMetricDefinition({ ...base })).not.toThrow();
    expect(() => assertMetricDefinition({ ...base, metadata: undefined })).toThrow(PluginError);
    expect(() => assertMetricDefinition({ ...base, metadata: ['flops'] })).toThrow(/metadata must be/);
    expect(() => assertMetricDefinition({ ...base, kind: 'oracle' })).toThrow(/kind must be/);
    expect(() => assertMetricDefinition({ ...base, requires: ['modelMetadata', 'features'] })).toThrow(/static baseline/);
    const logme = createRegistry().get('logme');
    expect(() => assertMetricDefinition({ ...logme, metadata: ['parameters'] })).toThrow(/metadata must be absent/);
    expect(logme.kind ?? 'score').toBe('score');
  });
});
