// @ts-check
// Plain ESM JavaScript with JSDoc types: `transferscope --plugin` and the config's `plugins` list import it as
// written, without a build step. Types come from @transferscope/metrics (type-only: nothing is imported at run time).

/** @typedef {import('@transferscope/metrics').MetricDefinition} MetricDefinition */
/** @typedef {import('@transferscope/metrics').ScoreInput} ScoreInput */

/**
 * class separability: TODO one-line summary, and which variant of the score this is.
 *
 * TODO Parameters: which inputs it reads (`features`: N x D, finite; `labels`: length N, integers in [0, C) with
 * every class present, C >= 2; `sourceProbabilities`: N x Cs, rows summing to 1). The registry checks these
 * before `compute` runs and rejects bad input with a MetricInputError (code `non_finite`, `label_gap`, ...).
 *
 * Returns: TODO the value, its range, and what a degenerate input (e.g. constant features) gives.
 *
 * **Definition**: TODO the equation with every symbol, e.g.
 *
 *     S = sum_c (n_c / N) ||mu_c - mu||^2
 *
 * with n_c the size of class c, mu_c its mean feature vector and mu the mean of all N rows. (The placeholder
 * computed below is this spread of the class means; replace it with the score of the paper.)
 *
 * **Reference behaviour**: TODO which implementation the values must match (repository, commit, library
 * versions) and to what tolerance, with the fixtures in `fixtures/golden.json`; or "defined here".
 *
 * **Direction**: higher values predict better transfer.
 *
 * **References**: TODO authors, "title", venue year, url (the same as `paper` below).
 *
 * Complexity: TODO (the placeholder is O(N D)).
 *
 * @example
 * // TODO a small input and its exact value, e.g. features [[0], [2], [10], [12]], labels [0, 0, 1, 1]
 * // gives S = 25 for the placeholder.
 */
/** @type {MetricDefinition} */
export const classSeparability = {
  id: 'class_separability',
  variant: 'default',
  version: '0.1.0',
  paper: {
    title: 'TODO title of the paper that defines the score',
    authors: ['TODO A. Author'],
    venue: 'TODO venue',
    year: 2026,
    url: 'https://example.org/todo',
  },
  direction: 'higher',
  requires: ['features', 'labels'],
  poolRelative: false,
  async compute(input) {
    const features = input.features;
    if (!features) throw new TypeError('class_separability needs features'); // unreachable: `requires` lists them
    const { rows: n, cols: d, data } = features;
    const labels = input.labels;
    let classes = 0;
    for (let i = 0; i < n; i++) classes = Math.max(classes, labels[i] + 1);
    // Two passes (means, then squared deviations) rather than sums of squares, which cancel for large offsets.
    const mean = new Float64Array(d);
    const classSums = new Float64Array(classes * d);
    const counts = new Float64Array(classes);
    for (let i = 0; i < n; i++) {
      counts[labels[i]]++;
      for (let j = 0; j < d; j++) {
        mean[j] += data[i * d + j] / n;
        classSums[labels[i] * d + j] += data[i * d + j];
      }
    }
    let spread = 0;
    for (let c = 0; c < classes; c++) {
      for (let j = 0; j < d; j++) spread += (counts[c] / n) * (classSums[c * d + j] / counts[c] - mean[j]) ** 2;
    }
    return { value: spread, diagnostics: { classes } };
  },
};

/** What the registry loads: every metric of this plugin. */
export const metrics = [classSeparability];
