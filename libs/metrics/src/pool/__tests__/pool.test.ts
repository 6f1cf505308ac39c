import { describe, expect, it } from 'vitest';
import { BUILTIN_METRICS } from '../../registry/builtins';
import { type MetricDefinition, type PoolMember } from '../../registry/metric';
import { minMaxNormalise, poolId, scorePool, sumOfNormalisedComponents } from '../pool';

const member = (model: string, components: Record<string, number>): PoolMember => ({ model, result: { value: 0, diagnostics: {}, components } });

describe('poolId', () => {
  it('depends on the set of models, not their order or repetition', () => {
    expect(poolId(['b', 'a', 'c'])).toBe(poolId(['c', 'a', 'b', 'a']));
    expect(poolId(['a', 'b'])).not.toBe(poolId(['a', 'b', 'c']));
    expect(poolId(['a'])).toMatch(/^pool-[0-9a-f]{16}$/);
  });
  it('refuses an empty pool', () => expect(() => poolId([])).toThrow(/at least one model/));
});

describe('minMaxNormalise', () => {
  it('maps the pool onto [0, 1] keeping order', () => {
    expect(minMaxNormalise([3, 1, 2])).toEqual([1, 0, 0.5]);
  });
  it('gives 0 to every member when there is no spread', () => {
    expect(minMaxNormalise([5, 5])).toEqual([0, 0]);
  });
  it('refuses non-finite values', () => expect(() => minMaxNormalise([1, NaN])).toThrow(/non-finite/));
});

describe('sumOfNormalisedComponents', () => {
  it('normalises each component across the pool before summing', () => {
    const members = [member('m1', { a: 10, b: -1 }), member('m2', { a: 20, b: -3 }), member('m3', { a: 15, b: -2 })];
    expect(sumOfNormalisedComponents(members)).toEqual([1, 1, 1]);
    expect(sumOfNormalisedComponents(members, { b: 2 })).toEqual([2, 1, 1.5]);
  });
  it('names the member that lacks a component', () => {
    expect(() => sumOfNormalisedComponents([member('m1', { a: 1 }), member('m2', { b: 1 })])).toThrow(/m2 lacks component "a"/);
  });
});

describe('scorePool', () => {
  it('refuses a metric that is not pool-relative', () => {
    expect(() => scorePool(BUILTIN_METRICS[0], [])).toThrow(/not pool-relative/);
  });
  it('pairs each model with its relative value', () => {
    const metric: MetricDefinition = { ...BUILTIN_METRICS[0], poolRelative: true, relativise: (m) => sumOfNormalisedComponents(m) };
    expect(scorePool(metric, [member('x', { a: 1 }), member('y', { a: 3 })])).toEqual([
      { model: 'x', value: 0 },
      { model: 'y', value: 1 },
    ]);
  });
});
