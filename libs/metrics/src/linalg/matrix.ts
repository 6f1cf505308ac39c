/** A dense float64 matrix, row-major: element (i, j) is `data[i * cols + j]`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`matrix: rows and cols must be non-negative integers, got ${rows} x ${cols}`);
  }
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) {
    throw new RangeError(`matrix: data has ${d.length} elements, expected ${rows} x ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data: d };
}

/** Builds a matrix from nested arrays (tests, small inputs). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const r = rows.length;
  const c = r === 0 ? 0 : rows[0].length;
  const out = new Float64Array(r * c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new RangeError(`fromRows: row ${i} has ${row.length} entries, expected ${c}`);
    out.set(row, i * c);
  });
  return matrix(r, c, out);
}

export function transpose(a: Matrix): Matrix {
  const out = new Float64Array(a.rows * a.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return matrix(a.cols, a.rows, out);
}

/** Column means, accumulated row by row (numpy's pairwise sums differ only at round-off level). */
export function columnMeans(a: Matrix): Float64Array {
  const mean = new Float64Array(a.cols);
  for (let i = 0; i < a.rows; i++) {
    const off = i * a.cols;
    for (let j = 0; j < a.cols; j++) mean[j] += a.data[off + j];
  }
  for (let j = 0; j < a.cols; j++) mean[j] /= a.rows;
  return mean;
}

/** `a - 1 m^T`: subtracts `m` from every row (two-pass centering, as np.cov does). */
export function subtractRow(a: Matrix, m: Float64Array): Matrix {
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < a.rows; i++) {
    const off = i * a.cols;
    for (let j = 0; j < a.cols; j++) out[off + j] = a.data[off + j] - m[j];
  }
  return matrix(a.rows, a.cols, out);
}

/** Columns `cols` of `a`, in that order. */
export function selectColumns(a: Matrix, cols: readonly number[]): Matrix {
  const out = new Float64Array(a.rows * cols.length);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = a.data[i * a.cols + cols[j]];
  }
  return matrix(a.rows, cols.length, out);
}
