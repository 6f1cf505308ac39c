import { describe, expect, it } from 'vitest';
import { buildAuditReport } from '../report';
import { type FileInfo } from '../scan';

const classes = [
  { id: 0, name: 'a' },
  { id: 1, name: 'b' },
];
const ok = (path: string, sha: string, dhash: string, extra: Partial<FileInfo> = {}): FileInfo =>
  ({ path, status: 'ok', bytes: 10, sha256: sha, format: 'jpeg', claimedFormat: 'jpeg', width: 8, height: 8, channels: 3, depth: 'uchar', palette: false, dhash, ...extra }) as FileInfo;
const item = (path: string, label: number, row: number) => ({ path, relPath: path.slice(1), label, row });

describe('buildAuditReport', () => {
  const files = new Map<string, FileInfo>(
    [
      ok('/t1', 'S1', '0000000000000000'),
      ok('/t2', 'S1', '0000000000000000'), // identical to t1, same split
      ok('/t3', 'S3', 'ffffffffffffffff', { format: 'png', claimedFormat: 'jpeg', channels: 4 }),
      ok('/t4', 'S4', '00000000000000ff'),
      { path: '/t5', status: 'missing', error: 'ENOENT' } as FileInfo,
      ok('/v1', 'S1', '0000000000000000'), // identical to t1, other split
      ok('/v2', 'S6', '000000000000000f'), // 4 bits from t4 and from t1
      ok('/v3', 'S3', 'ffffffffffffffff'), // identical to t3 but labelled differently
      { path: '/v4', status: 'unreadable', error: 'corrupt', code: 'CORRUPT_IMAGE', bytes: 3, sha256: 'S9' } as FileInfo,
      ok('/x1', 'S7', 'f0f0f0f0f0f0f0f0'),
    ].map((f) => [f.path, f]),
  );
  const splits = [
    { name: 'train', items: [item('/t1', 0, 2), item('/t2', 0, 3), item('/t3', 1, 4), item('/t4', 1, 5), item('/t5', 1, 6)] },
    { name: 'val', items: [item('/v1', 0, 2), item('/v2', 0, 3), item('/v3', 0, 4), item('/v4', 0, 5)] },
    { name: 'test', items: [item('/x1', 1, 2)] },
  ];
  const r = buildAuditReport('toy', classes, splits, files, { nearThreshold: 4 });

  it('counts per split and class, imbalance and problems', () => {
    expect(r.splits.map((s) => [s.name, s.items, s.perClass, s.imbalanceRatio, s.missing, s.unreadable])).toEqual([
      ['train', 5, { a: 2, b: 3 }, 1.5, 1, 0],
      ['val', 4, { a: 4, b: 0 }, null, 0, 1],
      ['test', 1, { a: 0, b: 1 }, null, 0, 0],
    ]);
    expect(r.problems).toEqual([
      { split: 'train', relPath: 't5', row: 6, status: 'missing', error: 'ENOENT' },
      { split: 'val', relPath: 'v4', row: 5, status: 'unreadable', error: 'corrupt' },
    ]);
    expect(r.totals).toEqual({ entries: 10, files: 10, ok: 8, missing: 1, unreadable: 1 });
    expect(r.images.formats).toEqual({ jpeg: 7, png: 1 });
    expect(r.images.channels).toEqual({ '3': 7, '4': 1 });
    expect(r.images.formatMismatches).toEqual([{ relPath: 't3', claimed: 'jpeg', actual: 'png' }]);
  });

  it('groups identical bytes within and across splits and flags conflicting labels', () => {
    expect(r.exactDuplicates.groups).toBe(2);
    expect(r.exactDuplicates.entries).toBe(5);
    expect(r.exactDuplicates.withinSplit).toEqual({ train: { groups: 1, entries: 2 }, val: { groups: 0, entries: 0 }, test: { groups: 0, entries: 0 } });
    expect(r.exactDuplicates.conflictingLabels).toBe(1);
  });

  it('counts near-duplicate cross pairs within the threshold, identical pairs excluded, and gives a verdict per pair', () => {
    // v2 is within 4 bits of t1, t2 and t4; t1/v1 and t2/v1 are identical (excluded).
    expect(r.leakage).toEqual([
      { a: 'train', b: 'val', exactGroups: 2, exactFiles: 5, sharedPaths: 0, nearPairs: 3, nearPairsSameLabel: 2, verdict: 'leak' },
      { a: 'train', b: 'test', exactGroups: 0, exactFiles: 0, sharedPaths: 0, nearPairs: 0, nearPairsSameLabel: 0, verdict: 'clean' },
      { a: 'val', b: 'test', exactGroups: 0, exactFiles: 0, sharedPaths: 0, nearPairs: 0, nearPairsSameLabel: 0, verdict: 'clean' },
    ]);
    // t1-v2 and t2-v2 differ in 4 bits, t4-v2 in 4 bits too (0f vs ff: 4 bits).
    expect(r.nearDuplicates.byDistance).toEqual([0, 0, 0, 0, 3]);
    const strict = buildAuditReport('toy', classes, splits, files, { nearThreshold: 3 });
    expect(strict.leakage[0].nearPairs).toBe(0);
    const loose = buildAuditReport('toy', classes, [splits[0], splits[2]], files, { nearThreshold: 32 });
    expect(loose.leakage[0]).toMatchObject({ nearPairs: 4, verdict: 'near-duplicates' });
  });

  it('calls a path listed in two splits a leak', () => {
    const twice = buildAuditReport('toy', classes, [splits[2], { name: 'again', items: [item('/x1', 1, 2)] }], files);
    expect(twice.leakage[0]).toMatchObject({ sharedPaths: 1, exactGroups: 1, verdict: 'leak' });
  });

  it('refuses a threshold outside [0, 64] and a file the scan did not see', () => {
    expect(() => buildAuditReport('toy', classes, splits, files, { nearThreshold: 65 })).toThrow(/nearThreshold/);
    expect(() => buildAuditReport('toy', classes, [{ name: 's', items: [item('/nope', 0, 2)] }], files)).toThrow(/no scan result/);
  });
});
