import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry/registry';
import { validateMetric } from '../../registry/validate';
import { scoreAll } from '../../score-all';
import { loadGolden } from '../../__tests__/golden';
import { imagenetTop1 } from '../imagenet-top1';

describe('imagenet_top1', () => {
  it('is the model card accuracy, whatever the target data', async () => {
    expect(imagenetTop1({ imagenetTop1: 0.7613 }).value).toBe(0.7613);
    const g = loadGolden('small_binary');
    const r = await scoreAll({ labels: g.labels, model: { imagenetTop1: 0.8 } }, ['imagenet_top1']);
    expect(r.values['imagenet_top1']).toBe(0.8);
    const other = await scoreAll({ labels: Int32Array.from(g.labels).reverse(), model: { imagenetTop1: 0.8 } }, ['imagenet_top1']);
    expect(other.values['imagenet_top1']).toBe(0.8);
  });

  it('is skipped, naming the field, when the metadata lacks it; data scores are unaffected', async () => {
    const g = loadGolden('small_binary');
    const none = await scoreAll({ features: g.features, labels: g.labels }, ['imagenet_top1', 'logme']);
    expect(none.skipped['imagenet_top1']).toBe('missing input: modelMetadata.imagenetTop1');
    expect(Number.isFinite(none.values['logme'])).toBe(true);
    const partial = await scoreAll({ labels: g.labels, model: { parameters: 1000 } }, ['imagenet_top1', 'parameter_count']);
    expect(partial.skipped).toEqual({ imagenet_top1: 'missing input: modelMetadata.imagenetTop1' });
    expect(partial.values).toEqual({ parameter_count: 1000 });
  });

  it('is registered as a static baseline reading only metadata, and passes validateMetric', async () => {
    const m = createRegistry().get('imagenet_top1');
    expect(m.kind).toBe('static-baseline');
    expect(m.requires).toEqual(['modelMetadata']);
    expect(m.metadata).toEqual(['imagenetTop1']);
    const report = await validateMetric(m);
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
  });

  it('refuses out-of-range or absent values with coded errors', async () => {
    expect(() => imagenetTop1({ imagenetTop1: 76.1 })).toThrow(expect.objectContaining({ code: 'metadata_out_of_range' }));
    expect(() => imagenetTop1({ imagenetTop1: Number.NaN })).toThrow(expect.objectContaining({ code: 'metadata_out_of_range' }));
    expect(() => imagenetTop1({})).toThrow(expect.objectContaining({ code: 'metadata_missing' }));
    await expect(scoreAll({ labels: [0, 1], model: { imagenetTop1: -0.1 } }, ['imagenet_top1'])).rejects.toMatchObject({
      code: 'metadata_out_of_range',
    });
  });
});
