import { createScratchDatabase, importLongResults, openDatabase, tableFingerprint, type Database, type ScratchDatabase } from '@transferscope/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokenService } from '../../auth/api-token.service';
import { startApiServer, type RunningApiServer } from '../../../server/api-server';

const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const HASH = 'ab'.repeat(32);

interface Answer<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const DATASET = 'mutation ($input: RegisterDatasetInput!) { registerDataset(input: $input) { name role idDatasetId task source numClasses classNames manifestHash } }';
const MODEL = 'mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id architecture sourceDataset parameterCount imagenetTop1 weightsHash metadata } }';

describe('registerDataset and registerModel', () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let server: RunningApiServer;
  const tokens: Record<'reader' | 'writer', string> = { reader: '', writer: '' };

  async function post<T>(query: string, input: Record<string, unknown>, token = tokens.writer): Promise<Answer<T>> {
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: { input } }) });
    return (await response.json()) as Answer<T>;
  }

  /** Asserts that `input` is refused with `code` and a message matching `message`, and that no table changed. */
  async function refused(query: string, input: Record<string, unknown>, code: string, message: RegExp | string, token?: string): Promise<void> {
    const before = await tableFingerprint(db.dataSource);
    const answer = await post(query, input, token);
    expect(answer.errors, JSON.stringify(answer)).toHaveLength(1);
    expect(answer.errors![0]!.extensions!['code']).toBe(code);
    if (typeof message === 'string') expect(answer.errors![0]!.message).toBe(message);
    else expect(answer.errors![0]!.message).toMatch(message);
    expect(await tableFingerprint(db.dataSource)).toEqual(before);
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    const service = new ApiTokenService(db.dataSource);
    for (const role of ['reader', 'writer'] as const) tokens[role] = (await service.create(`${role}-1`, role)).token;
    // Results that know `cifar` (10 classes) and model `resnet50` only by name.
    await importLongResults(db.dataSource, 'bench', { name: 'l.csv', text: 'dataset,model,test_score,classes,transf_metric,transf_score\ncifar,resnet50,0.9,10,logme,1\n' });
    server = await startApiServer({ dataSource: db.dataSource, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
    await scratch?.drop();
  });

  it('refuses readers by name, writing nothing', async () => {
    await refused(DATASET, { name: 'brain', role: 'ID' }, 'FORBIDDEN', 'registerDataset needs the writer role; this token has the reader role', tokens.reader);
    await refused(MODEL, { id: 'vit' }, 'FORBIDDEN', 'registerModel needs the writer role; this token has the reader role', tokens.reader);
  });

  it('registers an ID dataset and its OOD partner for a writer, and updates only the fields given', async () => {
    const id = await post<{ registerDataset: Record<string, unknown> }>(DATASET, { name: 'brain', role: 'ID', task: 'brain tumor MRI', source: 'Kaggle, CC0', classNames: ['glioma', 'meningioma', 'none', 'pituitary'], manifestHash: HASH });
    expect(id.errors).toBeUndefined();
    expect(id.data!.registerDataset).toEqual({ name: 'brain', role: 'ID', idDatasetId: null, task: 'brain tumor MRI', source: 'Kaggle, CC0', numClasses: 4, classNames: ['glioma', 'meningioma', 'none', 'pituitary'], manifestHash: HASH });
    const ood = await post<{ registerDataset: Record<string, unknown> }>(DATASET, { name: 'brain-ood', role: 'OOD', idDataset: 'brain', numClasses: 4 });
    const [brain] = await db.dataSource.query("SELECT id FROM dataset WHERE name = 'brain'");
    expect(ood.data!.registerDataset).toMatchObject({ name: 'brain-ood', role: 'OOD', idDatasetId: brain.id, numClasses: 4, classNames: null, task: '', source: '' });
    // Only the source changes; the rest stays as registered.
    const update = await post<{ registerDataset: Record<string, unknown> }>(DATASET, { name: 'brain', role: 'ID', source: 'Kaggle (2021), CC0' });
    expect(update.data!.registerDataset).toEqual({ ...id.data!.registerDataset, source: 'Kaggle (2021), CC0' });
    // A dataset known by name from imported results gains its definition; the same class count is no conflict.
    const cifar = await post<{ registerDataset: Record<string, unknown> }>(DATASET, { name: 'cifar', role: 'ID', numClasses: 10, task: 'objects' });
    expect(cifar.data!.registerDataset).toMatchObject({ name: 'cifar', numClasses: 10, task: 'objects' });
    const browsed = await post<{ datasets: { name: string; role: string }[] }>('{ datasets { name role } }', {}, tokens.reader);
    expect(browsed.data!.datasets.map((d) => `${d.name}:${d.role}`).sort()).toEqual(['brain-ood:OOD', 'brain:ID', 'cifar:ID']);
  });

  it('refuses bad dataset definitions with a specific code and message, changing nothing', async () => {
    await refused(DATASET, { name: 'bad name', role: 'ID' }, 'INVALID_NAME', 'dataset name "bad name" is not valid (letters, digits and _ . + - only, at most 128 characters)');
    await refused(DATASET, { name: 'x', role: 'OOD' }, 'INVALID_PARTNER', 'OOD dataset x needs idDataset: the ID dataset whose fine-tuned models it evaluates');
    await refused(DATASET, { name: 'x', role: 'ID', idDataset: 'brain' }, 'INVALID_PARTNER', 'ID dataset x cannot have an idDataset (only OOD datasets have an ID partner)');
    await refused(DATASET, { name: 'x', role: 'OOD', idDataset: 'nope' }, 'INVALID_PARTNER', 'idDataset: there is no dataset named "nope"; register the ID dataset first');
    await refused(DATASET, { name: 'x', role: 'OOD', idDataset: 'brain-ood' }, 'INVALID_PARTNER', "idDataset: brain-ood is an OOD dataset; an OOD dataset's partner must be an ID dataset");
    await refused(DATASET, { name: 'x', role: 'OOD', idDataset: 'x' }, 'INVALID_PARTNER', 'dataset x cannot be its own ID partner');
    await refused(DATASET, { name: 'x', role: 'ID', numClasses: 1 }, 'INVALID_CLASSES', 'numClasses must be at least 2, not 1');
    await refused(DATASET, { name: 'x', role: 'ID', classNames: ['a', 'b'], numClasses: 3 }, 'INVALID_CLASSES', 'numClasses is 3 but classNames lists 2 classes');
    await refused(DATASET, { name: 'x', role: 'ID', classNames: ['a', 'b', 'a'] }, 'INVALID_CLASSES', 'classNames[2] "a" repeats classNames[0]; class names must be distinct');
    await refused(DATASET, { name: 'x', role: 'ID', classNames: ['a', ' '] }, 'INVALID_CLASSES', 'classNames[1] must be 1 to 200 characters and not blank');
    await refused(DATASET, { name: 'x', role: 'ID', manifestHash: 'abc' }, 'INVALID_FIELD', 'manifestHash must be a sha256 in 64 lowercase hex digits, not "abc"');
    await refused(DATASET, { name: 'x', role: 'ID', source: 's'.repeat(2001) }, 'INVALID_FIELD', 'source is 2001 characters long; at most 2000 are allowed');
    await refused(DATASET, { name: 'x', role: 'MAYBE' }, 'BAD_USER_INPUT', /MAYBE/);
  });

  it('refuses definitions that contradict what is stored', async () => {
    await refused(DATASET, { name: 'cifar', role: 'ID', numClasses: 100 }, 'CONFLICTS_WITH_STORED', 'dataset cifar has results recorded with 10 classes; registering 100 would contradict them');
    await refused(DATASET, { name: 'brain', role: 'OOD', idDataset: 'cifar' }, 'CONFLICTS_WITH_STORED', 'dataset brain is the ID partner of brain-ood; it cannot become OOD');
    await refused(DATASET, { name: 'brain', role: 'ID', numClasses: 3 }, 'INVALID_CLASSES', 'numClasses is 3 but the stored classNames list 4 classes; give classNames too');
  });

  it('registers a model for a writer, fills in a model known only by name, and keeps what is left out', async () => {
    const vit = await post<{ registerModel: Record<string, unknown> }>(MODEL, { id: 'vit-g', architecture: 'vit', sourceDataset: 'imagenet-21k', parameterCount: 1_843_000_000, imagenetTop1: 0.9045, weightsHash: HASH, metadata: { licence: 'apache-2.0' } });
    expect(vit.errors).toBeUndefined();
    expect(vit.data!.registerModel).toEqual({ id: 'vit-g', architecture: 'vit', sourceDataset: 'imagenet-21k', parameterCount: 1_843_000_000, imagenetTop1: 0.9045, weightsHash: HASH, metadata: { licence: 'apache-2.0' } });
    const resnet = await post<{ registerModel: Record<string, unknown> }>(MODEL, { id: 'resnet50', imagenetTop1: 0.7613, parameterCount: 25_557_032 });
    expect(resnet.data!.registerModel).toEqual({ id: 'resnet50', architecture: '', sourceDataset: '', parameterCount: 25_557_032, imagenetTop1: 0.7613, weightsHash: null, metadata: {} });
    const again = await post<{ registerModel: Record<string, unknown> }>(MODEL, { id: 'resnet50', architecture: 'resnet' });
    expect(again.data!.registerModel).toEqual({ ...resnet.data!.registerModel, architecture: 'resnet' });
    // The baselines of the correlation query now have the model's ImageNet top-1 and size.
    const [stored] = await db.dataSource.query("SELECT imagenet_top1, parameter_count FROM source_model WHERE id = 'resnet50'");
    expect(stored).toEqual({ imagenet_top1: 0.7613, parameter_count: '25557032' });
  });

  it('refuses bad model definitions with a specific code and message, changing nothing', async () => {
    await refused(MODEL, { id: '../etc' }, 'INVALID_NAME', 'model id "../etc" is not valid (letters, digits and _ . + - only, at most 128 characters)');
    await refused(MODEL, { id: 'm', imagenetTop1: 76.1 }, 'INVALID_MODEL_FIELD', 'imagenetTop1 must be a fraction in [0, 1], not 76.1 (it looks like a percentage: give 0.761)');
    await refused(MODEL, { id: 'm', imagenetTop1: -0.1 }, 'INVALID_MODEL_FIELD', 'imagenetTop1 must be a fraction in [0, 1], not -0.1');
    await refused(MODEL, { id: 'm', parameterCount: 2.5 }, 'INVALID_MODEL_FIELD', 'parameterCount must be a whole number >= 1, not 2.5');
    await refused(MODEL, { id: 'm', parameterCount: 0 }, 'INVALID_MODEL_FIELD', 'parameterCount must be a whole number >= 1, not 0');
    await refused(MODEL, { id: 'm', weightsHash: HASH.toUpperCase() }, 'INVALID_MODEL_FIELD', /^weightsHash must be a sha256 in 64 lowercase hex digits/);
    await refused(MODEL, { id: 'm', metadata: { blob: 'x'.repeat(70_000) } }, 'INVALID_MODEL_FIELD', /^metadata is 700\d\d bytes as JSON; at most 65536 are kept$/);
    await refused(MODEL, { id: 'm', architecture: 'a'.repeat(201) }, 'INVALID_FIELD', 'architecture is 201 characters long; at most 200 are allowed');
    await refused(MODEL, { id: 'm', metadata: [1, 2] }, 'BAD_USER_INPUT', /JSONObject/);
  });
});
