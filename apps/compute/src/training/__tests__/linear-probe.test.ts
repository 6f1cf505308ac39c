import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haltonTrial } from '../halton-grid';
import { cosineLearningRate, evaluateProbe, trainLinearProbe, type ProbeSchedule, type ProbeSplit } from '../linear-probe';

const SCHEDULE: ProbeSchedule = { learningRate: 0.01, weightDecay: 1e-5, epochs: 10, batchSize: 16, momentum: 0.9, nesterov: true, minLearningRate: 1e-6 };

/** Gaussian blobs around class centres spread `separation` apart, with a deterministic generator. */
function blobs(n: number, d: number, classes: number, separation: number, seed: number): ProbeSplit {
  let state = seed >>> 0;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const features = new Float64Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % classes;
    for (let j = 0; j < d; j++) features[i * d + j] = normal() + (j % classes === labels[i] ? separation : 0) + 5;
  }
  return { features, labels, n, d };
}

describe('trainLinearProbe', () => {
  it('learns separable classes and keeps the epoch of lowest validation loss', () => {
    const run = trainLinearProbe(blobs(200, 12, 4, 3, 1), blobs(80, 12, 4, 3, 2), 4, SCHEDULE, 7);
    expect(run.epochs).toHaveLength(10);
    const best = run.epochs[run.bestEpoch - 1]!;
    expect(best.valLoss).toBe(Math.min(...run.epochs.map((e) => e.valLoss)));
    expect(best.valBalancedAccuracy).toBeGreaterThan(0.95);
    expect(run.epochs.at(-1)!.trainLoss).toBeLessThan(run.epochs[0]!.trainLoss);
    // The kept probe reproduces the recorded validation numbers.
    const val = blobs(80, 12, 4, 3, 2);
    expect(evaluateProbe(run.best, val).loss).toBeCloseTo(best.valLoss, 12);
  });

  it('cannot beat chance on random labels', () => {
    const train = blobs(200, 8, 2, 0, 3);
    const val = blobs(200, 8, 2, 0, 4);
    const run = trainLinearProbe(train, val, 2, SCHEDULE, 1);
    expect(run.epochs[run.bestEpoch - 1]!.valBalancedAccuracy).toBeLessThan(0.65);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const train = blobs(100, 6, 3, 1, 5);
    const val = blobs(60, 6, 3, 1, 6);
    const a = trainLinearProbe(train, val, 3, SCHEDULE, 11);
    const b = trainLinearProbe(train, val, 3, SCHEDULE, 11);
    const c = trainLinearProbe(train, val, 3, SCHEDULE, 12);
    expect(a.epochs).toEqual(b.epochs);
    expect(Array.from(a.best.weights)).toEqual(Array.from(b.best.weights));
    expect(c.epochs[0]!.trainLoss).not.toBe(a.epochs[0]!.trainLoss);
  });

  it('rejects labels outside [0, C), non-finite features and mismatched widths', () => {
    const train = blobs(20, 4, 2, 1, 1);
    expect(() => trainLinearProbe({ ...train, labels: train.labels.map((l) => l + 1) }, train, 2, SCHEDULE, 0)).toThrow(/train label 2 at row 1 is outside \[0, 2\)/);
    const nan = train.features.slice();
    nan[5] = Number.NaN;
    expect(() => trainLinearProbe({ ...train, features: nan }, train, 2, SCHEDULE, 0)).toThrow(/train feature 1 of row 1 is not finite/);
    expect(() => trainLinearProbe(train, blobs(20, 5, 2, 1, 1), 2, SCHEDULE, 0)).toThrow(/val has 5 features per row, train 4/);
  });
});

describe('cosineLearningRate', () => {
  it('starts at the base rate and falls halfway at T/2, towards eta_min', () => {
    const s = { learningRate: 0.1, minLearningRate: 1e-6, epochs: 10 };
    expect(cosineLearningRate(s, 0)).toBe(0.1);
    expect(cosineLearningRate(s, 5)).toBeCloseTo((0.1 + 1e-6) / 2, 15);
    expect(cosineLearningRate(s, 9)).toBeLessThan(0.003);
  });
});

describe('haltonTrial', () => {
  it("reproduces the study's 75-point (lr, wd) grid from scipy", () => {
    const golden = JSON.parse(readFileSync(join(process.env['TRANSFERSCOPE_SHARED']!, 'golden/stats/stats_golden.json'), 'utf8')).halton;
    expect(golden.scaled_lr_wd).toHaveLength(75);
    golden.scaled_lr_wd.forEach(([lr, wd]: [number, number], k: number) => {
      const trial = haltonTrial(k);
      // Bit for bit, or within 1 ulp (relative 2.3e-16) where 10 ** x rounds differently.
      expect(Math.abs(trial.learningRate - lr)).toBeLessThanOrEqual(Math.abs(lr) * 2.3e-16);
      expect(Math.abs(trial.weightDecay - wd)).toBeLessThanOrEqual(Math.abs(wd) * 2.3e-16);
    });
  });
});
