import { validateStudyDefinition } from '@transferscope/compute';
import { csvTextToManifest, DatasetError, preprocessImage, type PreprocessSpec } from '@transferscope/datasets';
import { createScratchDatabase, ImportError, importLongResults, importStudyResults, openDatabase, type Database, type ScratchDatabase } from '@transferscope/db';
import { checkFeatures, checkLabels, checkPredictions, matrix, matrixFromNpy, MetricInputError, NpyError, parseNpy, scoreAll, writeNpy } from '@transferscope/metrics';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createToken, runCli, startServer } from './cli-process';
import { databaseFingerprint } from './db-fingerprint';

const SHARED = process.env['TRANSFERSCOPE_SHARED']!;
const PERFORMANCES = join(SHARED, 'paper/results/task_performances.csv');
const SCORES = join(SHARED, 'paper/results/transf_metrics_values.csv');
const ADMIN_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const PERF_HEADER = 'task,model,val_acc_score,test_acc_score';
const SCORE_HEADER = 'task,model,metric,value';
const LONG_HEADER = 'dataset,model,test_score,classes,transf_metric,transf_score';
/** A small evaluation spec: the images below are tiny, and the path under test is decoding, not resizing. */
const SPEC: PreprocessSpec = { height: 8, width: 8, channels: 3, resizeMode: 'stretch', scale: 1 / 255, offset: 0 };

/** Runs `action`, which must throw `type`, and returns the error for specific assertions. */
async function rejection<E extends Error>(type: abstract new (...args: never[]) => E, action: () => unknown): Promise<E> {
  try {
    await action();
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/**
 * Hostile and malformed input, one test per case. Every case that can reach the database asserts it unchanged (row
 * counts and an md5 of every results table's rows) before and after; cases whose code path never opens the database
 * (decoding, scoring) assert the specific error only. The CLI is spawned for a representative subset (exit code 2 and
 * the one-line message); the rest calls the library the CLI calls, which proves the same thing ~1.5 s faster per case.
 */
describe('bad input is refused with a specific error and leaves the database unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ts-rel-bad-'));
  chmodSync(dir, 0o755);
  let scratch: ScratchDatabase;
  let db: Database;
  let env: Record<string, string>;
  let before: Record<string, string>;
  let server: Awaited<ReturnType<typeof startServer>>;
  let writerToken: string;

  const file = (name: string, content: string | Buffer): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  async function post(body: unknown, token = writerToken): Promise<{ status: number; errors?: { message: string; extensions?: Record<string, unknown> }[]; data?: Record<string, unknown> }> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    try {
      return { status: response.status, ...(JSON.parse(text) as object) };
    } catch {
      return { status: response.status, errors: [{ message: text }] };
    }
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(ADMIN_URL);
    env = { DATABASE_URL: scratch.url, TRANSFERSCOPE_HOME: join(dir, 'home') };
    db = await openDatabase({ kind: 'postgres', url: scratch.url });
    await importStudyResults(db.dataSource, 'paper', { performances: { path: PERFORMANCES }, scores: { path: SCORES } });
    writerToken = await createToken('writer', 'rel-writer', { cwd: dir, env });
    server = await startServer({ cwd: dir, env });
  });

  afterAll(async () => {
    await server?.stop();
    await db?.close();
    await scratch?.drop();
  });

  describe('results files (CLI import and the importer it calls)', () => {
    beforeEach(async () => {
      before = await databaseFingerprint(scratch.url);
    });
    afterEach(async () => {
      expect(await databaseFingerprint(scratch.url)).toEqual(before);
    });

    it('CLI: a non-UTF-8 file exits 2 naming the file', async () => {
      const latin1 = file('latin1.csv', Buffer.concat([Buffer.from(`${PERF_HEADER}\nbreakhis,caf`), Buffer.from([0xe9]), Buffer.from(',0.5,0.5\n')]));
      const result = await runCli(['import', 'study-results', '--study', 'paper', '--performances', latin1, '--scores', SCORES], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`transferscope: ${latin1}: is not valid UTF-8 text`);
    });

    it('CLI: a semicolon-delimited file exits 2 with the missing columns at line 1', async () => {
      const semicolons = file('semicolons.csv', `${PERF_HEADER.replaceAll(',', ';')}\nbreakhis;resnet18;0.5;0.5\n`);
      const result = await runCli(['import', 'study-results', '--study', 'paper', '--performances', semicolons, '--scores', SCORES], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${semicolons}:1: missing columns task, model, val_acc_score, test_acc_score`);
    });

    it('an invalid study name is refused and not echoed in full', async () => {
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, "x'; DROP TABLE score; --", { performances: { path: PERFORMANCES }, scores: { path: SCORES } }));
      expect(error.message).toBe(`${PERFORMANCES}: study name "x'; DROP TABLE score; --" is not valid (letters, digits and _ . + - only, at most 128 characters)`);
    });

    it('a missing file names the file', async () => {
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, 'paper', { performances: { path: join(dir, 'nope.csv') }, scores: { path: SCORES } }));
      expect(error.message).toBe(`${join(dir, 'nope.csv')}: file does not exist`);
    });

    it('a directory given as a file is refused', async () => {
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, 'paper', { performances: { path: dir }, scores: { path: SCORES } }));
      expect(error.message).toBe(`${dir}: is a directory, not a file`);
    });

    it('a zero-byte file is refused as empty', async () => {
      const error = await rejection(ImportError, () => importLongResults(db.dataSource, 'paper', { path: file('empty.csv', '') }));
      expect(error.message).toMatch(/empty\.csv: empty file: expected a header dataset,model,test_score,classes,transf_metric,transf_score$/);
    });

    it('a missing column is named with the header found', async () => {
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, 'paper', { performances: { name: 'p.csv', text: 'task,model,val_acc_score\nbreakhis,m,0.5\n' }, scores: { path: SCORES } }));
      expect(error.message).toBe('p.csv:1: missing column test_acc_score (header is "task,model,val_acc_score", expected "task,model,val_acc_score,test_acc_score")');
    });

    it('a duplicate row names both lines', async () => {
      const text = `${PERF_HEADER}\nbreakhis,m1,0.5,0.5\nbreakhis,m2,0.5,0.5\nbreakhis,m1,0.6,0.6\n`;
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, 'dup', { performances: { name: 'p.csv', text }, scores: { name: 's.csv', text: `${SCORE_HEADER}\nbreakhis,m1,logme,1\n` } }));
      expect(error.message).toBe('p.csv:4: duplicate (task, model) (breakhis, m1), first given at line 2');
    });

    it('a row with too few fields is refused at its line', async () => {
      const error = await rejection(ImportError, () => importLongResults(db.dataSource, 'paper', { name: 'l.csv', text: `${LONG_HEADER}\nbreakhis,m1,0.5,2,logme\n` }));
      expect(error.message).toMatch(/^l\.csv:2: /);
      expect(error.line).toBe(2);
    });

    it('NaN as a score value is refused, naming the column', async () => {
      const error = await rejection(ImportError, () => importLongResults(db.dataSource, 'paper', { name: 'l.csv', text: `${LONG_HEADER}\nbreakhis,m1,0.5,2,logme,NaN\n` }));
      expect(error.message).toBe('l.csv:2: column transf_score: "NaN" is not a finite number');
    });

    it('Infinity as an accuracy is refused', async () => {
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, 'paper', { performances: { name: 'p.csv', text: `${PERF_HEADER}\nbreakhis,m1,0.5,Infinity\n` }, scores: { path: SCORES } }));
      expect(error.message).toBe('p.csv:2: column test_acc_score: "Infinity" is not a finite number');
    });

    it('an accuracy outside [0, 1] is refused', async () => {
      const error = await rejection(ImportError, () => importStudyResults(db.dataSource, 'paper', { performances: { name: 'p.csv', text: `${PERF_HEADER}\nbreakhis,m1,0.5,95\n` }, scores: { path: SCORES } }));
      expect(error.message).toBe('p.csv:2: column test_acc_score: 95 is outside [0, 1]');
    });

    it('a path-like or SQL-like model name is refused as not a valid name', async () => {
      const error = await rejection(ImportError, () => importLongResults(db.dataSource, 'paper', { name: 'l.csv', text: `${LONG_HEADER}\nbreakhis,../../etc/passwd,0.5,2,logme,1\n` }));
      expect(error.message).toBe('l.csv:2: column model: "../../etc/passwd" is not a valid name (letters, digits and _ . + - only, at most 128 characters)');
    });

    it('an unterminated quote is refused at the line where the record starts', async () => {
      const error = await rejection(ImportError, () => importLongResults(db.dataSource, 'paper', { name: 'l.csv', text: `${LONG_HEADER}\nbreakhis,"m1,0.5,2,logme,1\n` }));
      expect(error.message).toMatch(/^l\.csv:2: .*quote/);
    });

    it('a 1e6-row file with one bad last row is rejected within a few seconds, nothing written', async () => {
      const lines = [LONG_HEADER];
      for (let i = 0; i < 999_999; i++) lines.push(`big,m${i},0.5,2,logme,${i}`);
      lines.push('big,last,0.5,2,logme,not-a-number');
      const path = file('million.csv', lines.join('\n') + '\n');
      const started = performance.now();
      const error = await rejection(ImportError, () => importLongResults(db.dataSource, 'paper', { path }));
      const seconds = (performance.now() - started) / 1000;
      expect(error.message).toBe(`${path}:1000001: column transf_score: "not-a-number" is not a finite number`);
      // Linear in rows; measured 17-25 s on the shared 2-core machine under load, so the bound is loose.
      expect(seconds).toBeLessThan(90);
    });

    it('a CSV with a UTF-8 BOM and CRLF line ends is accepted (the positive control)', async () => {
      const text = `\uFEFF${PERF_HEADER}\r\n${readFileSync(PERFORMANCES, 'utf8').trim().split('\n').slice(1).join('\r\n')}\r\n`;
      const summary = await importStudyResults(db.dataSource, 'paper', { performances: { name: 'bom.csv', text }, scores: { path: SCORES } });
      // The same values as already imported: recognised, nothing rewritten (the afterEach fingerprint proves it).
      expect(summary.evaluations.inserted).toBe(0);
      expect(summary.evaluations.updated).toBe(0);
      expect(summary.evaluations.unchanged).toBeGreaterThan(0);
    });
  });

  describe('dataset manifests and images (compute reads these)', () => {
    const root = join(dir, 'data');

    it('a manifest path escaping the data root is refused', () => {
      const error = (() => {
        try {
          csvTextToManifest('image,label\na.png,0\n../../etc/passwd,1\n', join(dir, 'train.csv'), { dataRoot: root });
        } catch (e) {
          return e as DatasetError;
        }
        throw new Error('accepted');
      })();
      expect(error).toBeInstanceOf(DatasetError);
      expect(error.code).toBe('PATH_ESCAPES_ROOT');
      expect(error.row).toBe(3);
      expect(error.message).toContain(`path "../../etc/passwd" escapes the data root ${root}`);
    });

    it('an absolute Windows-drive path is refused', () => {
      expect(() => csvTextToManifest('image,label\nC:/Windows/win.ini,0\n', join(dir, 'train.csv'), { dataRoot: root })).toThrow(/path "C:\/Windows\/win.ini" is not inside the data root/);
    });

    it('a manifest without a label column names the column', () => {
      expect(() => csvTextToManifest('image,class\na.png,0\n', join(dir, 'train.csv'), { dataRoot: root })).toThrow(/train\.csv, row 1, field "label": no "label" column \(header: image,class\)/);
    });

    it('a zero-byte image is refused as not an image', async () => {
      const error = await rejection(DatasetError, () => preprocessImage(Buffer.alloc(0), SPEC, { where: { file: 'empty.jpg', row: 2 } }));
      expect(error.code).toBe('UNSUPPORTED_FORMAT');
      expect(error.message).toBe('empty.jpg, row 2: not a JPEG/PNG/BMP/TIFF/WebP/GIF image (first bytes: none, empty file)');
    });

    it('random bytes are refused, showing the first bytes', async () => {
      const error = await rejection(DatasetError, () => preprocessImage(Buffer.from('this is not an image at all'), SPEC, { where: { file: 'text.png' } }));
      expect(error.code).toBe('UNSUPPORTED_FORMAT');
      expect(error.message).toBe('text.png: not a JPEG/PNG/BMP/TIFF/WebP/GIF image (first bytes: 74 68 69 73 20 69 73 20)');
    });

    it('a truncated JPEG is refused as corrupt', async () => {
      const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 10, b: 10 } } }).jpeg().toBuffer();
      const error = await rejection(DatasetError, () => preprocessImage(jpeg.subarray(0, jpeg.length >> 1), SPEC, { where: { file: 'cut.jpg', row: 5 } }));
      expect(error.code).toBe('CORRUPT_IMAGE');
      expect(error.message).toMatch(/^cut\.jpg, row 5: corrupt or truncated jpeg image: /);
    });

    it('a PNG named .jpg decodes by its real format', async () => {
      const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
      writeFileSync(join(dir, 'really-png.jpg'), png);
      const { data, info } = await preprocessImage(readFileSync(join(dir, 'really-png.jpg')), SPEC);
      expect(info.format).toBe('png');
      expect([data[0], data[1], data[2]]).toEqual([1, 0, 0]);
    });

    it('a 16-bit PNG is reduced to 8 bits', async () => {
      // 0xFFFF red, written as a 16-bit RGB PNG.
      const png16 = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 255, g: 0, b: 0 } } }).toColourspace('rgb16').png().toBuffer();
      expect((await sharp(png16).metadata()).depth).toBe('ushort');
      const { data } = await preprocessImage(png16, SPEC);
      expect([data[0], data[1], data[2]]).toEqual([1, 0, 0]);
    });

    it('a CMYK JPEG is converted to RGB', async () => {
      const cmyk = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 0, g: 0, b: 255 } } }).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
      expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
      const { data } = await preprocessImage(cmyk, SPEC);
      // Blue stays the dominant channel; the exact shade depends on libvips' CMYK profile round trip (about 60, 60, 139).
      expect(data[2]).toBeGreaterThan(data[0]! + 0.2);
      expect(data[2]).toBeGreaterThan(data[1]! + 0.2);
      for (const v of data) expect(v >= 0 && v <= 1).toBe(true);
    });
  });

  describe('score inputs (.npy, labels, predictions)', () => {
    const features = (n: number, d: number) => Float64Array.from({ length: n * d }, (_, i) => Math.sin(i * 12.9898) * 3);

    it('CLI: a truncated .npy exits 2 naming the flag and the file', async () => {
      const bytes = writeNpy(features(10, 3), [10, 3]);
      const path = file('cut.npy', Buffer.from(bytes.subarray(0, bytes.length - 8)));
      const labels = file('labels.json', JSON.stringify([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]));
      const result = await runCli(['score', '--features', path, '--labels', labels], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`transferscope: --features ${path}: truncated .npy data: shape (10, 3) of <f8 needs 240 bytes, file has 232`);
    });

    it('a 3-D features array is refused with its shape', () => {
      expect(() => matrixFromNpy(parseNpy(writeNpy(features(2, 12), [2, 3, 4])), 'features')).toThrow(new MetricInputError('shape_mismatch', 'features must be a 2-D array (N x D), got shape (2, 3, 4)'));
    });

    it('a complex dtype is refused', async () => {
      const npy = Buffer.from(writeNpy(features(2, 2), [2, 2]));
      const header = npy.toString('latin1').replace("'<f8'", "'<c8'");
      const error = await rejection(NpyError, () => parseNpy(Buffer.from(header, 'latin1')));
      expect(error.message).toBe("unsupported dtype '<c8': expected float32/64 or an integer type");
    });

    it('big-endian float64 is read by its byte order, not misread', async () => {
      const values = [1.5, -2.25, 3, 4e10];
      const little = Buffer.from(writeNpy(values, [2, 2]));
      const big = Buffer.from(little.toString('latin1').replace("'<f8'", "'>f8'"), 'latin1');
      const dataStart = big.length - 32;
      for (let i = 0; i < 4; i++) big.writeDoubleBE(values[i]!, dataStart + 8 * i);
      expect(Array.from(parseNpy(big).data)).toEqual(values);
    });

    it('a file that is not .npy at all is refused by its magic', async () => {
      const error = await rejection(NpyError, () => parseNpy(Buffer.from('{"features": [1,2,3]}')));
      expect(error.message).toBe('not a .npy file: missing the \\x93NUMPY magic string');
    });

    it('Fortran-ordered data is refused with the fix', async () => {
      const npy = Buffer.from(writeNpy(features(2, 2), [2, 2]));
      const fortran = Buffer.from(npy.toString('latin1').replace("'fortran_order': False", "'fortran_order': True"), 'latin1');
      const error = await rejection(NpyError, () => parseNpy(fortran));
      expect(error.message).toBe('Fortran-ordered arrays are not supported: save with np.ascontiguousarray(x)');
    });

    it('NaN features are refused at their position', () => {
      const data = features(4, 3);
      data[7] = Number.NaN;
      expect(() => checkFeatures(matrix(4, 3, data))).toThrow(new MetricInputError('non_finite', 'features[2, 1] = NaN; features must be finite'));
    });

    it('Infinity features read from .npy are refused', () => {
      const data = features(4, 3);
      data[0] = Number.POSITIVE_INFINITY;
      const m = matrixFromNpy(parseNpy(writeNpy(data, [4, 3])), 'features');
      expect(() => checkFeatures(m)).toThrow('features[0, 0] = Infinity; features must be finite');
    });

    it('one-class labels are refused', () => {
      expect(() => checkLabels([0, 0, 0, 0])).toThrow('labels contain a single class; transferability needs C >= 2');
    });

    it('labels with a gap are refused, naming the missing classes', () => {
      expect(() => checkLabels([0, 2, 0, 2, 3])).toThrow('labels must use every class 0..3; missing 1');
    });

    it('predictions not summing to 1 are refused at their row', () => {
      const p = matrix(2, 2, Float64Array.from([0.5, 0.5, 0.5, 0.4]));
      expect(() => checkPredictions(p, 2)).toThrow(/^predictions row 1 sums to 0\.9; rows must be softmax outputs summing to 1/);
    });

    it('D >> N (512 features, 6 samples) scores without NaN or an exception', async () => {
      const labels = Int32Array.from([0, 1, 0, 1, 0, 1]);
      const result = await scoreAll({ features: matrix(6, 512, features(6, 512)), labels }, ['logme', 'hscore', 'reg_hscore', 'gbc']);
      for (const id of ['logme', 'hscore', 'reg_hscore', 'gbc']) {
        // Either a finite value or a documented skip: never NaN in the results.
        if (id in result.values) expect(Number.isFinite(result.values[id]), id).toBe(true);
        else expect(result.skipped[id], id).toBeTruthy();
      }
      expect(Object.keys(result.values).length).toBeGreaterThan(0);
    });
  });

  describe('study files', () => {
    it('CLI: a type error in a study file exits 2 naming the field', async () => {
      const path = file('typo.json', JSON.stringify({ name: 'typo', datasets: [{ id: 'brain_tumor_kaggle' }], models: ['darknet-tiny-imagenet'], trials: '2' }));
      before = await databaseFingerprint(scratch.url);
      const result = await runCli(['study', 'run', path], { cwd: dir, env });
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`transferscope: ${path}: trials: Invalid input: expected number, received string`);
      expect(await databaseFingerprint(scratch.url)).toEqual(before);
    });

    it('an unknown field is named', () => {
      expect(() => validateStudyDefinition({ name: 's', datasets: [{ id: 'd' }], models: 'all', epoch: 3 }, 's.json')).toThrow('s.json: (top level): unknown field epoch');
    });

    it('an unsafe dataset id is refused', () => {
      expect(() => validateStudyDefinition({ name: 's', datasets: [{ id: '../../etc' }], models: 'all' }, 's.json')).toThrow('s.json: datasets.0.id: letters, digits and _ . + - only');
    });
  });

  describe('GraphQL', () => {
    beforeEach(async () => {
      before = await databaseFingerprint(scratch.url);
    });
    afterEach(async () => {
      expect(await databaseFingerprint(scratch.url)).toEqual(before);
    });

    it('SQL-looking filter strings are data: they match nothing', async () => {
      const hostile = ["' OR 1=1 --", "paper'; DROP TABLE score; --", '"; SELECT pg_sleep(10); --', "paper' UNION SELECT secret_sha256 FROM api_token --", '\\', '%', '_'];
      const { data, errors } = await post({ query: 'query ($s: [String!]) { correlations(filter: { studies: $s }) { value } scores(filter: { models: $s }) { nodes { id } } }', variables: { s: hostile } });
      expect(errors).toBeUndefined();
      expect(data).toEqual({ correlations: [], scores: { nodes: [] } });
    });

    it('a NUL character in a filter answers BAD_USER_INPUT, not an internal error', async () => {
      const { errors } = await post({ query: 'query ($s: [String!]) { correlations(filter: { studies: $s }) { value } }', variables: { s: ['pa\u0000per'] } });
      expect(errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
      expect(errors![0]!.message).toBe('a string argument contains a NUL character (\\u0000), which the database cannot store or match');
    });

    it('a LIKE wildcard in a filter is matched literally', async () => {
      const { data, errors } = await post({ query: '{ correlations(filter: { studies: ["pap%"], datasets: ["%"] }) { value } }' });
      expect(errors).toBeUndefined();
      expect(data).toEqual({ correlations: [] });
    });

    it('a huge filter list (100k names) is refused by its size limit with BAD_USER_INPUT', async () => {
      const names = Array.from({ length: 100_000 }, (_, i) => `model-${i}`);
      const result = await post({ query: 'query ($m: [String!]) { correlations(filter: { models: $m, studies: ["paper"] }) { value } }', variables: { m: names } });
      expect(result.errors![0]!.extensions!['code']).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(result.errors![0]!.extensions!['validationErrors'])).toContain('models must contain no more than 10000 elements');
    });

    it('a selection nested 40 deep is refused at validation (400), not resolved', async () => {
      const selfNested = '{ ' + 'studies { '.repeat(40) + 'name' + ' }'.repeat(40) + ' }';
      const refused = await post({ query: selfNested });
      expect(refused.status).toBe(400);
      expect(refused.errors![0]!.extensions!['code']).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(refused.errors![0]!.message).toBe('Cannot query field "studies" on type "Study".');
    });

    it('5000 nested inline fragments do not overflow the parser into an internal error', async () => {
      const query = '{ ' + '... on Query { '.repeat(5000) + 'studies { name }' + ' }'.repeat(5000) + ' }';
      const result = await post({ query });
      expect(result.status).toBeLessThan(500);
    });

    it('10000 aliases are refused with QUERY_TOO_COMPLEX', async () => {
      const query = '{ ' + Array.from({ length: 10_000 }, (_, i) => `a${i}: correlations { value }`).join(' ') + ' }';
      const result = await post({ query });
      expect(result.status).toBe(400);
      expect(result.errors![0]!.extensions!['code']).toBe('QUERY_TOO_COMPLEX');
      expect(result.errors![0]!.message).toBe('query is too complex: Query exceeds the maximum allowed number of nodes.');
    });

    it('an oversized upload (over 10 MiB) is refused with UPLOAD_TOO_LARGE', async () => {
      const text = `${LONG_HEADER}\n` + 'x'.repeat(10 * 1024 * 1024 + 10);
      const result = await post({ query: 'mutation ($t: String!) { importResults(input: { study: "big", format: LONG, file: { name: "big.csv", text: $t } }) { study } }', variables: { t: text } });
      expect(result.errors![0]!.extensions!['code']).toBe('UPLOAD_TOO_LARGE');
      expect(result.errors![0]!.message).toMatch(/^big\.csv: \d+ bytes exceeds the upload limit of 10485760 bytes; import it with the CLI instead$/);
    });

    it('a body beyond the HTTP limit is refused with 413 before parsing', async () => {
      const result = await post('{"query":"{ studies { name } }","variables":{"x":"' + 'y'.repeat(22 * 1024 * 1024) + '"}}');
      expect(result.status).toBe(413);
    });

    it('an upload with a bad row answers IMPORT_REJECTED with file and line', async () => {
      const result = await post({ query: 'mutation ($t: String!) { importResults(input: { study: "paper", format: LONG, file: { name: "up.csv", text: $t } }) { study } }', variables: { t: `${LONG_HEADER}\nbreakhis,m1,0.5,2,logme,NaN\n` } });
      expect(result.errors![0]!.extensions).toMatchObject({ code: 'IMPORT_REJECTED', file: 'up.csv', line: 2 });
      expect(result.errors![0]!.message).toBe('up.csv:2: column transf_score: "NaN" is not a finite number');
    });

    it('a mutation without a token is refused with UNAUTHENTICATED', async () => {
      const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'mutation { createStudy(name: "anon") { name } }' }) });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    });

    it('a forged token is refused with UNAUTHENTICATED', async () => {
      const result = await post({ query: '{ studies { name } }' }, writerToken.slice(0, -2) + (writerToken.endsWith('aa') ? 'bb' : 'aa'));
      expect(result.status).toBe(401);
      expect(result.errors![0]!.extensions!['code']).toBe('UNAUTHENTICATED');
    });

    it('a writer cannot mint tokens (FORBIDDEN)', async () => {
      const result = await post({ query: 'mutation { createApiToken(name: "x", role: ADMIN) { token } }' });
      expect(result.errors![0]!.extensions!['code']).toBe('FORBIDDEN');
    });

    it('malformed JSON is a 400, not an internal error', async () => {
      const result = await post('{"query": "{ studies { name } ');
      expect(result.status).toBe(400);
    });
  });
});
