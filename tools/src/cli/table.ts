/** Renders rows as an aligned plain-text table (numbers right-aligned), for terminal output. */
export function renderTable(headers: string[], rows: (string | number | null)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === null ? '-' : String(cell))));
  const numeric = headers.map((_, c) => cells.every((row) => /^(-|[-+]?\d[\d.e+-]*)$/.test(row[c]!)));
  const widths = headers.map((header, c) => Math.max(header.length, ...cells.map((row) => row[c]!.length)));
  const line = (values: string[]) => values.map((v, c) => (numeric[c] ? v.padStart(widths[c]!) : v.padEnd(widths[c]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Fixed-precision number for tables; null stays null. */
export function fixed(value: number | null, digits = 3): string | null {
  return value === null ? null : value.toFixed(digits);
}
