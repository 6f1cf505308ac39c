import { type AuditReport } from './report';

/** Render rows as an aligned table; numeric columns right-aligned. */
function table(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const numeric = headers.map((_, c) => cells.length > 0 && cells.every((r) => /^-?[\d.]+$|^-$/.test(r[c])));
  const widths = headers.map((h, c) => Math.max(h.length, ...cells.map((r) => r[c].length)));
  const line = (vals: string[]): string => vals.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function histogram(h: Record<string, number>, top = 8): string {
  const entries = Object.entries(h).sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, top).map(([k, v]) => `${k} ${v}`);
  if (entries.length > top) shown.push(`... ${entries.length - top} more`);
  return shown.join(', ') || '-';
}

/** The audit as text for a terminal: counts, image properties, problems, duplicates and the leakage verdicts. */
export function formatAuditReport(r: AuditReport): string {
  const out: string[] = [];
  out.push(`Dataset ${r.dataset}: ${r.totals.entries} entries, ${r.totals.files} files (${r.totals.ok} readable, ${r.totals.missing} missing, ${r.totals.unreadable} unreadable)`);
  out.push('');
  const names = r.classes.map((c) => c.name);
  out.push(
    table(
      ['split', 'items', ...names, 'imbalance', 'missing', 'unreadable'],
      r.splits.map((s) => [s.name, s.items, ...names.map((n) => s.perClass[n] ?? 0), s.imbalanceRatio === null ? '-' : s.imbalanceRatio.toFixed(2), s.missing, s.unreadable]),
    ),
  );
  out.push('');
  out.push(`formats:  ${histogram(r.images.formats)}`);
  out.push(`sizes:    ${histogram(r.images.sizes)}`);
  out.push(`channels: ${histogram(r.images.channels)}; depth: ${histogram(r.images.depths)}; palette: ${r.images.palette}`);
  if (r.images.formatMismatches.length > 0) {
    out.push(`format differs from the file name (${r.images.formatMismatches.length}):`);
    for (const m of r.images.formatMismatches.slice(0, 10)) out.push(`  ${m.relPath}: named ${m.claimed}, is ${m.actual}`);
  }
  if (r.problems.length > 0) {
    out.push(`problems (${r.problems.length}):`);
    for (const p of r.problems.slice(0, 20)) out.push(`  ${p.split}${p.row === undefined ? '' : ` row ${p.row}`}: ${p.relPath}: ${p.status}: ${p.error}`);
  }
  out.push('');
  const d = r.exactDuplicates;
  out.push(`exact duplicates (sha256): ${d.groups} groups, ${d.entries} entries; ${d.conflictingLabels} groups with conflicting labels`);
  out.push(`  within split: ${Object.entries(d.withinSplit).map(([s, w]) => `${s} ${w.groups} groups/${w.entries} entries`).join(', ')}`);
  out.push(
    r.nearDuplicates.computed
      ? `near duplicates (dHash distance <= ${r.nearThreshold}, not identical): ${r.nearDuplicates.crossSplitPairs} cross-split pairs; by distance 0..${r.nearThreshold}: ${(r.nearDuplicates.byDistance ?? []).join(' ')}`
      : 'near duplicates: not checked (header-only scan)',
  );
  out.push('');
  out.push(
    table(
      ['split pair', 'identical groups', 'identical files', 'same path', 'near pairs', 'same label', 'verdict'],
      r.leakage.map((l) => [`${l.a} / ${l.b}`, l.exactGroups, l.exactFiles, l.sharedPaths, l.nearPairs ?? '-', l.nearPairsSameLabel ?? '-', l.verdict.toUpperCase()]),
    ),
  );
  return out.join('\n');
}
