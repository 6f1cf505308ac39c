import { pairwiseSum } from './summation';

/** A class label: an integer-valued or other finite number, or a string (one kind per call, as sklearn). */
export type ClassLabel = number | string;

export interface ConfusionMatrixOptions {
  /** Label order of the rows and columns; default: the sorted union of the labels in yTrue and yPred. */
  readonly labels?: ArrayLike<ClassLabel>;
}

export interface ConfusionMatrixResult {
  /** The labels indexing rows (true) and columns (predicted). */
  readonly labels: ClassLabel[];
  /** matrix[i][j] = number of samples with true label labels[i] predicted as labels[j]. */
  readonly matrix: number[][];
}

function checkLabels(fn: string, yTrue: ArrayLike<ClassLabel>, yPred: ArrayLike<ClassLabel>): void {
  if (yTrue?.length === undefined || yPred?.length === undefined) {
    throw new TypeError(`${fn}: yTrue and yPred must be array-likes of labels`);
  }
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`${fn}: yTrue and yPred must have the same length, got ${yTrue.length} and ${yPred.length}`);
  }
  if (yTrue.length === 0) throw new RangeError(`${fn}: need at least one sample, got 0`);
  let kind: 'number' | 'string' | undefined;
  for (const [name, y] of [['yTrue', yTrue], ['yPred', yPred]] as const) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      const k = typeof v;
      if (k === 'number' ? !Number.isFinite(v) : k !== 'string') {
        throw new RangeError(`${fn}: ${name}[${i}] is ${String(v)}; labels must be finite numbers or strings`);
      }
      if (kind === undefined) kind = k as 'number' | 'string';
      else if (kind !== k) throw new TypeError(`${fn}: mix of label types (number and string) is not supported`);
    }
  }
}

function sortedUnion(a: ArrayLike<ClassLabel>, b: ArrayLike<ClassLabel>): ClassLabel[] {
  const set = new Set<ClassLabel>();
  for (let i = 0; i < a.length; i++) set.add(a[i]);
  for (let i = 0; i < b.length; i++) set.add(b[i]);
  const labels = [...set];
  // Numbers ascending; strings by code unit, as numpy's np.unique sorts them.
  return labels.sort((u, v) => (typeof u === 'number' && typeof v === 'number' ? u - v : u < v ? -1 : u > v ? 1 : 0));
}

/**
 * Confusion matrix, equal to `sklearn.metrics.confusion_matrix(y_true, y_pred)` (sklearn 1.2).
 *
 * @param yTrue - length N >= 1, true labels (numbers or strings).
 * @param yPred - length N, predicted labels of the same kind.
 * @param options - `labels`: explicit row/column order (samples whose true or predicted label is not listed
 *   are ignored, as sklearn does); default the sorted union of both label sets.
 * @returns `{ labels, matrix }` with matrix[i][j] = #{k : yTrue_k = labels_i and yPred_k = labels_j}.
 * @throws RangeError on length mismatch, N = 0, NaN/Infinity or non-label values, mixed label types, or an
 *   explicit `labels` that is empty, repeats a label or shares no label with yTrue.
 *
 * **Definition.** C_ij counts the samples of true class i predicted as class j; rows sum to the class
 * supports.
 *
 * **References.** scikit-learn, sklearn.metrics.confusion_matrix,
 * https://scikit-learn.org/stable/modules/generated/sklearn.metrics.confusion_matrix.html
 *
 * @example
 * confusionMatrix([0, 1, 1, 2], [0, 2, 1, 2]).matrix; // [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
 */
export function confusionMatrix(
  yTrue: ArrayLike<ClassLabel>,
  yPred: ArrayLike<ClassLabel>,
  options: ConfusionMatrixOptions = {},
): ConfusionMatrixResult {
  checkLabels('confusionMatrix', yTrue, yPred);
  let labels: ClassLabel[];
  if (options.labels !== undefined) {
    labels = Array.from(options.labels);
    if (labels.length === 0) throw new RangeError("confusionMatrix: 'labels' should contain at least one label");
    if (new Set(labels).size !== labels.length) throw new RangeError("confusionMatrix: 'labels' contains a repeated label");
    const inTrue = new Set(Array.from(yTrue));
    if (!labels.some((l) => inTrue.has(l))) throw new RangeError("confusionMatrix: at least one label in 'labels' must be in yTrue");
  } else {
    labels = sortedUnion(yTrue, yPred);
  }
  const index = new Map<ClassLabel, number>(labels.map((l, i) => [l, i]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let k = 0; k < yTrue.length; k++) {
    const i = index.get(yTrue[k]);
    const j = index.get(yPred[k]);
    if (i !== undefined && j !== undefined) matrix[i][j]++;
  }
  return { labels, matrix };
}

/**
 * Accuracy, the fraction of samples predicted correctly; equal to `sklearn.metrics.accuracy_score`.
 *
 * @param yTrue - length N >= 1, true labels.
 * @param yPred - length N, predictions of the same label kind.
 * @returns a number in [0, 1].
 * @throws RangeError as {@link confusionMatrix}.
 *
 * **Definition.** acc = (1/N) Σ_k 1[yTrue_k = yPred_k].
 *
 * **References.** scikit-learn, sklearn.metrics.accuracy_score.
 *
 * @example
 * accuracy([0, 1, 1, 2], [0, 2, 1, 2]); // 0.75
 */
export function accuracy(yTrue: ArrayLike<ClassLabel>, yPred: ArrayLike<ClassLabel>): number {
  checkLabels('accuracy', yTrue, yPred);
  let correct = 0;
  for (let k = 0; k < yTrue.length; k++) if (yTrue[k] === yPred[k]) correct++;
  return correct / yTrue.length;
}

export interface BalancedAccuracyOptions {
  /** Rescale so that chance level is 0 and perfect is 1 (sklearn's `adjusted`). Default `false`. */
  readonly adjusted?: boolean;
}

/**
 * Balanced accuracy, the mean recall over the classes present in yTrue; equal to
 * `sklearn.metrics.balanced_accuracy_score(y_true, y_pred)` (sklearn 1.2).
 *
 * @param yTrue - length N >= 1, true labels.
 * @param yPred - length N, predictions of the same label kind.
 * @param options - `adjusted` (default `false`).
 * @returns a number in [0, 1]; adjusted, in [-1/(K-1), 1]. With `adjusted` and a single class in yTrue the
 *   rescaling divides by 0 (NaN or ±Infinity, as in sklearn).
 * @throws RangeError as {@link confusionMatrix}.
 *
 * **Definition.** With C the confusion matrix over the sorted label union, recall_i = C_ii / Σ_j C_ij for
 * every class i with support Σ_j C_ij > 0 (classes seen only in yPred are dropped, as sklearn warns);
 * BA = mean_i recall_i. Adjusted: (BA - 1/K) / (1 - 1/K), K the number of classes present in yTrue.
 *
 * **References.** K. H. Brodersen, C. S. Ong, K. E. Stephan, J. M. Buhmann, "The balanced accuracy and its
 * posterior distribution", ICPR 2010, https://doi.org/10.1109/ICPR.2010.764. scikit-learn,
 * sklearn.metrics.balanced_accuracy_score.
 *
 * @example
 * balancedAccuracy([0, 0, 0, 1], [0, 0, 1, 1]); // (2/3 + 1) / 2 = 0.8333333333333333
 */
export function balancedAccuracy(
  yTrue: ArrayLike<ClassLabel>,
  yPred: ArrayLike<ClassLabel>,
  options: BalancedAccuracyOptions = {},
): number {
  const { matrix } = confusionMatrix(yTrue, yPred);
  const recalls: number[] = [];
  for (let i = 0; i < matrix.length; i++) {
    const support = matrix[i].reduce((s, v) => s + v, 0);
    if (support > 0) recalls.push(matrix[i][i] / support);
  }
  let score = pairwiseSum(recalls) / recalls.length;
  if (options.adjusted) {
    const chance = 1 / recalls.length;
    score = (score - chance) / (1 - chance);
  }
  return score;
}
