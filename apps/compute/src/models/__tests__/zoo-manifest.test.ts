import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ModelError } from '../model-error';
import { sha256Hex } from '../sha256';
import { computeWeightsHash, findZooModel, loadZooManifest, parseZooManifest } from '../zoo-manifest';

const ZOO = join(process.env['TRANSFERSCOPE_SHARED'] ?? '', 'zoo', 'models');

async function rawZoo(): Promise<{ models: Record<string, unknown>[] } & Record<string, unknown>> {
  return JSON.parse(await readFile(join(ZOO, 'zoo.json'), 'utf8')) as { models: Record<string, unknown>[] };
}

function invalid(json: unknown): ModelError {
  try {
    parseZooManifest(json, '/zoo');
  } catch (e) {
    return e as ModelError;
  }
  throw new Error('expected the manifest to be rejected');
}

describe('zoo manifest', () => {
  it('parses the real zoo: seven models with resolved local files, dims and heads as in zoo.json', async () => {
    const zoo = await loadZooManifest({ zoo: ZOO });
    const raw = await rawZoo();
    expect(zoo.models.map((m) => m.id)).toEqual(raw.models.map((m) => m['id']));
    expect(zoo.manifestSha256).toBe(sha256Hex(await readFile(join(ZOO, 'zoo.json'))));
    const darknet = findZooModel(zoo, 'darknet-tiny-imagenet');
    expect(darknet.featurePooling).toBe('global_average');
    expect(darknet.logits?.outputIsProbability).toBe(false);
    expect(darknet.input.alignCorners).toBe(true);
    const tm = findZooModel(zoo, 'tm-mobilenetv2-035-braintumor');
    expect(tm.input.scale).toBeCloseTo(1 / 127, 15);
    expect(tm.input.resizeMode).toBe('center-crop');
    expect(findZooModel(zoo, 'mobilenetv2-035-imagenet').logits).toBeNull();
    expect(findZooModel(zoo, 'nsfwjs-mobilenetv2-mid').format).toBe('tfjs-graph');
    for (const m of zoo.models) {
      for (const f of m.files) expect(f.location).toEqual({ kind: 'file', path: join(ZOO, m.id, f.name) });
    }
  });

  it('weightsHash is the sha256 of the sorted topology and weight file hashes, independent of file order and licence text', async () => {
    const zoo = await loadZooManifest({ zoo: join(ZOO, 'zoo.json') });
    const m = findZooModel(zoo, 'mobilenetv2-035-imagenet');
    const byName = Object.fromEntries(m.files.map((f) => [f.name, f.sha256]));
    expect(m.weightsHash).toBe(sha256Hex(`model.json:${byName['model.json']}\nweights.bin:${byName['weights.bin']}\n`));
    const shuffled = [...m.files].reverse().map((f) => (f.role === 'license' ? { ...f, sha256: '0'.repeat(64) } : f));
    expect(computeWeightsHash(shuffled)).toBe(m.weightsHash);
    const changed = m.files.map((f) => (f.role === 'weights' ? { ...f, sha256: '1'.repeat(64) } : f));
    expect(computeWeightsHash(changed)).not.toBe(m.weightsHash);
    expect(new Set(zoo.models.map((x) => x.weightsHash)).size).toBe(zoo.models.length);
  });

  it('resolves http(s) model paths and per-file urls as remote locations', async () => {
    const raw = await rawZoo();
    raw.models[0]['path'] = 'https://example.org/zoo/darknet';
    const files = raw.models[1]['files'] as Record<string, unknown>[];
    files[0]['url'] = 'http://mirror.example.org/LICENSE';
    const zoo = parseZooManifest(raw, '/somewhere');
    expect(zoo.models[0].files[0].location).toEqual({ kind: 'url', url: `https://example.org/zoo/darknet/${zoo.models[0].files[0].name}` });
    expect(zoo.models[1].files[0].location).toEqual({ kind: 'url', url: 'http://mirror.example.org/LICENSE' });
    expect(zoo.models[2].files[0].location).toEqual({ kind: 'file', path: join('/somewhere', zoo.models[2].id, zoo.models[2].files[0].name) });
  });

  it('rejects bad manifests with every problem named', async () => {
    const dup = await rawZoo();
    dup.models[1]['id'] = dup.models[0]['id'];
    expect(invalid(dup).message).toMatch(/duplicate model id darknet-tiny-imagenet/);

    const dim = await rawZoo();
    dim.models[2]['featureDim'] = 1000;
    (dim.models[3]['files'] as Record<string, unknown>[])[0]['sha256'] = 'abc';
    const e = invalid(dim);
    expect(e.code).toBe('ZOO_MANIFEST_INVALID');
    expect(e.message).toMatch(/featureDim 1000/);
    expect(e.message).toMatch(/sha256/);

    const fmt = await rawZoo();
    fmt.models[0]['format'] = 'keras';
    expect(invalid(fmt).message).toMatch(/format/);
    // A tfjs entry relabelled onnx: no inputName, and separate weight files an ONNX model cannot have.
    fmt.models[0]['format'] = 'onnx';
    expect(invalid(fmt).message).toMatch(/needs inputName[\s\S]*external weight files are not supported|external weight files are not supported[\s\S]*needs inputName/);

    expect(invalid({ schemaVersion: 2, models: [] }).code).toBe('ZOO_MANIFEST_INVALID');
  });

  it('names the missing zoo folder and unknown model ids', async () => {
    await expect(loadZooManifest({ zoo: '/nonexistent/zoo' })).rejects.toMatchObject({ code: 'ZOO_NOT_FOUND' });
    const zoo = await loadZooManifest({ zoo: ZOO });
    expect(() => findZooModel(zoo, 'resnet50')).toThrow(/unknown model "resnet50".*darknet-tiny-imagenet/);
  });
});
