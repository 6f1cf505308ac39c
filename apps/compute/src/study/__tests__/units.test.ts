import { describe, expect, it } from 'vitest';
import { dependenciesOf, planUnits, unitKey } from '../units';

describe('study units', () => {
  const units = planUnits(['m1', 'm2'], [{ dataset: 'd', hasOod: true }], 3);

  it('plans one extraction, two score units, k trials and one evaluation per (model, dataset), inputs first', () => {
    expect(units.map((unit) => unit.kind)).toEqual([...Array(2).fill('extract'), ...Array(10).fill(expect.stringMatching(/^(score|trial)$/)), 'evaluate', 'evaluate']);
    const keys = units.map(unitKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('trial/m2/d/2');
    expect(keys).toContain('score/m1/d/ood');
  });

  it('lets scores and trials of a model wait only for its own features, and its evaluation for its own trials', () => {
    expect(dependenciesOf({ kind: 'extract', model: 'm1', dataset: 'd' }, 3, ['m1', 'm2'])).toEqual([]);
    expect(dependenciesOf({ kind: 'trial', model: 'm2', dataset: 'd', haltonIndex: 1 }, 3, ['m1', 'm2'])).toEqual(['extract/m2/d']);
    expect(dependenciesOf({ kind: 'score', model: 'm1', dataset: 'd', split: 'ood' }, 3, ['m1', 'm2'])).toEqual(['extract/m1/d']);
    expect(dependenciesOf({ kind: 'evaluate', model: 'm1', dataset: 'd' }, 3, ['m1', 'm2'])).toEqual(['trial/m1/d/0', 'trial/m1/d/1', 'trial/m1/d/2']);
  });

  it("adds one pool unit per scored split, after every model's scores, only when a metric is pool-relative", () => {
    const pooled = planUnits(['m1', 'm2'], [{ dataset: 'd', hasOod: true }], 3, true);
    expect(pooled.map(unitKey).slice(-2)).toEqual(['pool/d/train', 'pool/d/ood']);
    expect(units.some((unit) => unit.kind === 'pool')).toBe(false);
    expect(dependenciesOf({ kind: 'pool', dataset: 'd', split: 'ood' }, 3, ['m1', 'm2'])).toEqual(['score/m1/d/ood', 'score/m2/d/ood']);
  });
});
