import { type ClassDef } from '../types';
import { hashWords, popcount32 } from './dhash';
import { type FileInfo } from './scan';

/** One split as the audit sees it. */
export interface AuditSplitInput {
  name: string;
  items: readonly { path: string; relPath: string; label: number; row?: number }[];
}

export interface AuditOptions {
  /** Largest dHash Hamming distance counted as a near-duplicate (default 4 of 64 bits). */
  nearThreshold?: number;
  /** How many example groups/pairs to list per kind (default 20); counts are always complete. */
  maxExamples?: number;
}

/** A file as listed in a split. */
export interface AuditEntry {
  split: string;
  relPath: string;
  label: number;
  row?: number;
}

export interface SplitSummary {
  name: string;
  items: number;
  /** Items per class name (every class of the dataset, zeros included). */
  perClass: Record<string, number>;
  /** Largest over smallest class count; null when some class is empty. */
  imbalanceRatio: number | null;
  missing: number;
  unreadable: number;
}

export type LeakageVerdict = 'clean' | 'near-duplicates' | 'leak';

export interface SplitPairLeakage {
  a: string;
  b: string;
  /** Groups of byte-identical files with members in both splits. */
  exactGroups: number;
  /** Files of those groups that sit in a or b. */
  exactFiles: number;
  /** Paths listed in both splits (the same file twice). */
  sharedPaths: number;
  /** Cross pairs (one file in a, one in b) within the dHash threshold that are not byte-identical; null if not computed. */
  nearPairs: number | null;
  /**
   * Of those, pairs whose two files carry the same label. Many different-label pairs mean the
   * threshold is loose for this kind of image (64-bit dHash sees every brain MRI as a bright oval).
   */
  nearPairsSameLabel: number | null;
  /**
   * `leak`: identical content in both; `near-duplicates`: only perceptually close pairs; `clean`:
   * neither (with a header-only scan, `clean` means no identical content; near-duplicates unchecked).
   */
  verdict: LeakageVerdict;
}

export interface AuditReport {
  dataset: string;
  classes: ClassDef[];
  nearThreshold: number;
  totals: { entries: number; files: number; ok: number; missing: number; unreadable: number };
  splits: SplitSummary[];
  images: {
    formats: Record<string, number>;
    sizes: Record<string, number>;
    channels: Record<string, number>;
    depths: Record<string, number>;
    palette: number;
    /** Files whose name claims another format than their bytes (e.g. a PNG named .jpg). */
    formatMismatches: { relPath: string; claimed: string; actual: string }[];
  };
  problems: { split: string; relPath: string; row?: number; status: 'missing' | 'unreadable'; error: string }[];
  exactDuplicates: {
    /** Groups of two or more entries with the same sha256, over all splits. */
    groups: number;
    /** Entries in those groups. */
    entries: number;
    withinSplit: Record<string, { groups: number; entries: number }>;
    /** Groups whose members carry different labels. */
    conflictingLabels: number;
    examples: { sha256: string; members: AuditEntry[] }[];
  };
  nearDuplicates: {
    /** False when the scan read headers only (no dHash): then the near-duplicate counts are null. */
    computed: boolean;
    /** Cross-split pairs within the threshold, byte-identical pairs excluded. */
    crossSplitPairs: number | null;
    /** Cross-split pairs by Hamming distance 0..nearThreshold (byte-identical pairs excluded). */
    byDistance: number[] | null;
    examples: { distance: number; a: AuditEntry; b: AuditEntry }[];
  };
  leakage: SplitPairLeakage[];
}

/**
 * Build the audit report from the splits and what a scan learnt about each file. Pure: no I/O.
 *
 * Exact duplicates: entries grouped by sha256 of their bytes (a path listed twice counts twice).
 * Near-duplicates: every cross-split pair of readable files whose 64-bit dHashes differ in at most
 * `nearThreshold` bits, excluding byte-identical pairs; O(N_a * N_b) popcounts per split pair,
 * a few million for 3k images, well under a second.
 */
export function buildAuditReport(
  dataset: string,
  classes: readonly ClassDef[],
  splits: readonly AuditSplitInput[],
  files: ReadonlyMap<string, FileInfo>,
  options: AuditOptions = {},
): AuditReport {
  const nearThreshold = options.nearThreshold ?? 4;
  const maxExamples = options.maxExamples ?? 20;
  if (!Number.isInteger(nearThreshold) || nearThreshold < 0 || nearThreshold > 64) {
    throw new RangeError(`nearThreshold must be an integer in [0, 64], got ${nearThreshold}`);
  }
  const nameOf = new Map(classes.map((c) => [c.id, c.name]));
  const info = (path: string): FileInfo => {
    const f = files.get(path);
    if (f === undefined) throw new RangeError(`no scan result for ${path}`);
    return f;
  };

  const problems: AuditReport['problems'] = [];
  const splitSummaries: SplitSummary[] = splits.map((s) => {
    const perClass: Record<string, number> = Object.fromEntries(classes.map((c) => [c.name, 0]));
    let missing = 0;
    let unreadable = 0;
    for (const it of s.items) {
      const name = nameOf.get(it.label) ?? String(it.label);
      perClass[name] = (perClass[name] ?? 0) + 1;
      const f = info(it.path);
      if (f.status !== 'ok') {
        if (f.status === 'missing') missing++;
        else unreadable++;
        problems.push({ split: s.name, relPath: it.relPath, row: it.row, status: f.status, error: f.error });
      }
    }
    const counts = Object.values(perClass);
    const min = Math.min(...counts);
    return {
      name: s.name,
      items: s.items.length,
      perClass,
      imbalanceRatio: min > 0 ? Math.max(...counts) / min : null,
      missing,
      unreadable,
    };
  });

  // Image properties, once per distinct file.
  const distinct = new Set(splits.flatMap((s) => s.items.map((it) => it.path)));
  const images: AuditReport['images'] = { formats: {}, sizes: {}, channels: {}, depths: {}, palette: 0, formatMismatches: [] };
  const relOf = new Map(splits.flatMap((s) => s.items.map((it) => [it.path, it.relPath] as const)));
  let ok = 0;
  let missingFiles = 0;
  let unreadableFiles = 0;
  const bump = (h: Record<string, number>, k: string): void => {
    h[k] = (h[k] ?? 0) + 1;
  };
  for (const path of distinct) {
    const f = info(path);
    if (f.status === 'missing') missingFiles++;
    else if (f.status === 'unreadable') unreadableFiles++;
    else {
      ok++;
      bump(images.formats, f.format);
      bump(images.sizes, `${f.width}x${f.height}`);
      bump(images.channels, String(f.channels));
      bump(images.depths, f.depth);
      if (f.palette) images.palette++;
      if (f.claimedFormat !== undefined && f.claimedFormat !== f.format) {
        images.formatMismatches.push({ relPath: relOf.get(path) ?? path, claimed: f.claimedFormat, actual: f.format });
      }
    }
  }
  images.formatMismatches.sort((x, y) => (x.relPath < y.relPath ? -1 : 1));

  // Exact duplicates by content hash.
  const entries: (AuditEntry & { path: string })[] = splits.flatMap((s) =>
    s.items.map((it) => ({ split: s.name, relPath: it.relPath, label: it.label, row: it.row, path: it.path })),
  );
  const bySha = new Map<string, (AuditEntry & { path: string })[]>();
  for (const e of entries) {
    const f = info(e.path);
    if (f.status === 'missing') continue;
    const list = bySha.get(f.sha256);
    if (list) list.push(e);
    else bySha.set(f.sha256, [e]);
  }
  const groups = [...bySha.entries()].filter(([, m]) => m.length > 1).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const withinSplit: Record<string, { groups: number; entries: number }> = Object.fromEntries(splits.map((s) => [s.name, { groups: 0, entries: 0 }]));
  let conflictingLabels = 0;
  for (const [, members] of groups) {
    if (new Set(members.map((m) => m.label)).size > 1) conflictingLabels++;
    for (const s of splits) {
      const inSplit = members.filter((m) => m.split === s.name).length;
      if (inSplit > 1) {
        withinSplit[s.name].groups++;
        withinSplit[s.name].entries += inSplit;
      }
    }
  }
  const strip = ({ split, relPath, label, row }: AuditEntry & { path: string }): AuditEntry => ({ split, relPath, label, row });

  // Near-duplicates across splits, and the verdict per split pair.
  const readable = splits.map((s) =>
    s.items.flatMap((it) => {
      const f = info(it.path);
      return f.status === 'ok' && f.dhash !== undefined ? [{ entry: { split: s.name, relPath: it.relPath, label: it.label, row: it.row }, sha: f.sha256, words: hashWords(f.dhash) }] : [];
    }),
  );
  const computed = readable.some((r) => r.length > 0);
  let crossNear = 0;
  const byDistance = new Array<number>(nearThreshold + 1).fill(0);
  const nearExamples: AuditReport['nearDuplicates']['examples'] = [];
  const leakage: SplitPairLeakage[] = [];
  for (let i = 0; i < splits.length; i++) {
    for (let j = i + 1; j < splits.length; j++) {
      const a = splits[i].name;
      const b = splits[j].name;
      let exactGroups = 0;
      let exactFiles = 0;
      for (const [, members] of groups) {
        const inA = members.filter((m) => m.split === a).length;
        const inB = members.filter((m) => m.split === b).length;
        if (inA > 0 && inB > 0) {
          exactGroups++;
          exactFiles += inA + inB;
        }
      }
      const pathsA = new Set(splits[i].items.map((it) => it.path));
      const sharedPaths = new Set(splits[j].items.filter((it) => pathsA.has(it.path)).map((it) => it.path)).size;
      let nearPairs = 0;
      let nearPairsSameLabel = 0;
      for (const x of readable[i]) {
        const [x0, x1] = x.words;
        for (const y of readable[j]) {
          const d = popcount32(x0 ^ y.words[0]) + popcount32(x1 ^ y.words[1]);
          if (d <= nearThreshold && x.sha !== y.sha) {
            nearPairs++;
            byDistance[d]++;
            if (x.entry.label === y.entry.label) nearPairsSameLabel++;
            if (nearExamples.length < maxExamples) nearExamples.push({ distance: d, a: x.entry, b: y.entry });
          }
        }
      }
      crossNear += nearPairs;
      const verdict: LeakageVerdict = exactGroups > 0 || sharedPaths > 0 ? 'leak' : nearPairs > 0 ? 'near-duplicates' : 'clean';
      leakage.push({
        a,
        b,
        exactGroups,
        exactFiles,
        sharedPaths,
        nearPairs: computed ? nearPairs : null,
        nearPairsSameLabel: computed ? nearPairsSameLabel : null,
        verdict,
      });
    }
  }

  return {
    dataset,
    classes: [...classes],
    nearThreshold,
    totals: { entries: entries.length, files: distinct.size, ok, missing: missingFiles, unreadable: unreadableFiles },
    splits: splitSummaries,
    images,
    problems,
    exactDuplicates: {
      groups: groups.length,
      entries: groups.reduce((n, [, m]) => n + m.length, 0),
      withinSplit,
      conflictingLabels,
      examples: groups.slice(0, maxExamples).map(([sha256, m]) => ({ sha256, members: m.map(strip) })),
    },
    nearDuplicates: { computed, crossSplitPairs: computed ? crossNear : null, byDistance: computed ? byDistance : null, examples: nearExamples },
    leakage,
  };
}
