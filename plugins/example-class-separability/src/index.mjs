// @ts-check
// Plain ESM JavaScript with JSDoc types: `transferscope --plugin` and the config's `plugins` list import it as
// written, without a build step. Types come from @transferscope/metrics (type-only: nothing is imported at run time).

/** @typedef {import('@transferscope/metrics').MetricDefinition} MetricDefinition */
/** @typedef {import('@transferscope/metrics').ScoreInput} ScoreInput */

/**
 * Class separability: the share of the features' total scatter that lies between the class means (the trace form of
 * Fisher's between- over within-class criterion, taken over all feature directions at once, without a projection).
 *
 * Parameters: `features`, N x D, finite; `labels`, length N, integers in [0, C) with every class present, C >= 2.
 * The registry checks both before `compute` runs and rejects bad input with a MetricInputError (`non_finite`,
 * `shape_mismatch`, `label_gap`, `single_class`, ...).
 *
 * Returns: the value in [0, 1]; 0 when all class means coincide, 1 when every sample sits on its class mean.
 * Constant features (no scatter at all, tr S_T = 0) give 0: without any spread there is no class structure to use.
 * Diagnostics: `betweenScatter` (tr S_B), `withinScatter` (tr S_W), `fisherRatio` (tr S_B / tr S_W; null when
 * tr S_W = 0), `chanceLevel` ((C - 1) / (N - 1)) and `classes` (C).
 *
 * **Definition**: with x_i in R^D the features of sample i, y_i its label, n_c the size of class c,
 * mu_c = (1 / n_c) sum_{i: y_i = c} x_i the class means and mu = (1 / N) sum_i x_i the grand mean,
 *
 *     tr S_B = sum_c n_c ||mu_c - mu||^2              (between-class scatter)
 *     tr S_W = sum_i ||x_i - mu_{y_i}||^2             (within-class scatter)
 *     S      = tr S_B / (tr S_B + tr S_W)
 *
 * tr S_B + tr S_W = tr S_T = sum_i ||x_i - mu||^2 (the total scatter), so S is the fraction of the feature variance
 * explained by class membership (a multivariate eta squared). S = J / (1 + J) for J = tr S_B / tr S_W, so it ranks
 * models exactly as J does, but stays bounded and defined when tr S_W = 0. Invariant to translating the features,
 * to scaling them by any a != 0 and to orthogonal rotations, and to renaming the classes; not invariant to scaling
 * single features (unlike tr(S_W^-1 S_B)). Under labels shuffled at random (class sizes fixed),
 * E[tr S_B] = (C - 1) / (N - 1) tr S_T exactly, so the chance level of S is (C - 1) / (N - 1).
 *
 * **Reference behaviour**: defined here; `fixtures/golden.json` holds values computed independently with numpy from
 * the scatter matrices themselves (trace of S_B and of the total scatter S_T, built as D x D matrices) by `fixtures/make_golden.py`.
 *
 * **Direction**: higher values predict better transfer (classes that are already separated in the feature space are
 * easier for a linear head).
 *
 * **References**: R. A. Fisher, "The use of multiple measurements in taxonomic problems", Annals of Eugenics 7(2),
 * 179-188, 1936, https://doi.org/10.1111/j.1469-1809.1936.tb02137.x (between- against within-class scatter); trace
 * criteria of this kind are discussed as class-separability measures in K. Fukunaga, "Introduction to Statistical
 * Pattern Recognition", 2nd ed., Academic Press, 1990.
 *
 * Complexity: O(N D) time (two passes over the features), O(C D) memory.
 *
 * @example
 * // features [[0], [2], [10], [12]], labels [0, 0, 1, 1]: mu = 6, mu_0 = 1, mu_1 = 11,
 * // tr S_B = 2 * 25 + 2 * 25 = 100, tr S_W = 4 * 1 = 4, S = 100 / 104 = 0.9615384615384616
 */
/** @type {MetricDefinition} */
export const classSeparability = {
  id: 'class_separability',
  variant: 'trace_ratio',
  version: '1.0.0',
  paper: {
    title: 'The use of multiple measurements in taxonomic problems',
    authors: ['R. A. Fisher'],
    venue: 'Annals of Eugenics',
    year: 1936,
    url: 'https://doi.org/10.1111/j.1469-1809.1936.tb02137.x',
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

    // Pass 1: grand and class means.
    const mean = new Float64Array(d);
    const classMeans = new Float64Array(classes * d);
    const counts = new Float64Array(classes);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < d; j++) {
        mean[j] += data[i * d + j];
        classMeans[c * d + j] += data[i * d + j];
      }
    }
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let c = 0; c < classes; c++) for (let j = 0; j < d; j++) classMeans[c * d + j] /= counts[c];

    // Pass 2: squared deviations from the means. Both traces are sums of non-negative terms, and the total is taken
    // as their sum rather than as sum ||x_i - mu||^2 (equal in exact arithmetic), so S lands in [0, 1] without clamping;
    // deviations rather than sums of squares, which cancel when the features have a large common offset.
    let within = 0;
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      for (let j = 0; j < d; j++) within += (data[i * d + j] - classMeans[c * d + j]) ** 2;
    }
    let between = 0;
    for (let c = 0; c < classes; c++) {
      let distance = 0;
      for (let j = 0; j < d; j++) distance += (classMeans[c * d + j] - mean[j]) ** 2;
      between += counts[c] * distance;
    }
    const total = between + within;
    return {
      value: total > 0 ? between / total : 0,
      diagnostics: {
        betweenScatter: between,
        withinScatter: within,
        fisherRatio: within > 0 ? between / within : null, // JSON has no Infinity
        chanceLevel: (classes - 1) / (n - 1),
        classes,
      },
    };
  },
};

/** What the registry loads: every metric of this plugin. */
export const metrics = [classSeparability];
