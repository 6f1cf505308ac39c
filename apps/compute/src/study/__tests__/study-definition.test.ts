import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveStudy } from '../resolve-study';
import { quickVariant, StudyDefinitionError, validateStudyDefinition } from '../study-definition';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const locations = { dataRoot: join(SHARED, 'zoo/datasets'), zoo: join(SHARED, 'zoo/models'), paperData: join(SHARED, 'paper/data') };
const base = { name: 'brain', datasets: [{ id: 'brain_tumor_kaggle' }], models: ['mobilenetv2-035-imagenet'] };

describe('study definitions', () => {
  it("fills the study's defaults: 75 Halton trials, linear probe, all metrics", () => {
    const definition = validateStudyDefinition(base, '/studies/brain.json');
    expect(definition).toMatchObject({ trials: 75, protocol: 'linear-probe', metrics: 'all', seed: 0, baseDir: '/studies' });
  });

  it('names the file and the field that is wrong', () => {
    expect(() => validateStudyDefinition({ ...base, trials: 0 }, 's.yaml')).toThrow(/^s\.yaml: trials: /);
    expect(() => validateStudyDefinition({ ...base, modles: [] }, 's.yaml')).toThrow('s.yaml: (top level): unknown field modles');
    expect(() => validateStudyDefinition({ ...base, name: 'a b' }, 's.yaml')).toThrow(/name: letters, digits/);
    expect(() => validateStudyDefinition({ ...base, protocol: 'fine-tune' }, 's.yaml')).toThrow(/protocol: Invalid option: expected one of "linear-probe"\|"finetune"/);
    // Whether "finetune" can run depends on the backend and the models: assertFinetunable decides before any work.
    expect(validateStudyDefinition({ ...base, protocol: 'finetune' }, 's.yaml').protocol).toBe('finetune');
  });

  it('the quick preset keeps the study but cuts models, trials, epochs and images', () => {
    const quick = quickVariant(validateStudyDefinition({ ...base, models: 'all' }, 'x.json'), ['a', 'b', 'c']);
    expect(quick).toMatchObject({ name: 'brain-quick', models: ['a', 'b', 'c'], trials: 3, epochs: 3 });
    expect(quick.limits?.train?.perClass).toBe(20);
  });
});

describe('resolveStudy', () => {
  it('resolves zoo models, the dataset pair and the metric registry', async () => {
    const resolved = await resolveStudy(validateStudyDefinition(base, 'x.json'), locations);
    expect(resolved.models.map((m) => m.id)).toEqual(['mobilenetv2-035-imagenet']);
    expect(resolved.pairs[0]!.ood?.id).toBe('brain_mri_ood');
    expect(resolved.metricIds).toContain('logme');
  });

  it('rejects unknown models, datasets and metrics by name', async () => {
    await expect(resolveStudy(validateStudyDefinition({ ...base, models: ['resnet9000'] }, 'x.json'), locations)).rejects.toThrow(/unknown model resnet9000/);
    await expect(resolveStudy(validateStudyDefinition({ ...base, datasets: [{ id: 'mnist' }] }, 'x.json'), locations)).rejects.toThrow(/unknown dataset mnist/);
    await expect(resolveStudy(validateStudyDefinition({ ...base, metrics: ['logmee'] }, 'x.json'), locations)).rejects.toThrow(/unknown metric logmee/);
  });

  it('refuses an extraction batch too large for memory before any work starts', async () => {
    const attempt = resolveStudy(validateStudyDefinition({ ...base, models: ['nsfwjs-inceptionv3'], extractionBatchSize: 1024 }, 'x.json'), locations);
    await expect(attempt).rejects.toBeInstanceOf(StudyDefinitionError);
    await expect(attempt).rejects.toThrow(/extractionBatchSize 1024 needs 1048 MiB of input for nsfwjs-inceptionv3 .* use at most 500/);
  });
});
