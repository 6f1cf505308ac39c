import { type ScoreInput } from './input';
import { matrix } from './linalg/matrix';
import { seededUniform } from './random-normal';

export interface SyntheticOptions {
  n: number;
  d: number;
  classes: number;
  sourceClasses: number;
  /** Distance of the class means along their own directions, in noise standard deviations (0 = no signal). */
  separation: number;
  /** Labels independent of the features and the source head (shuffled after generation). */
  randomLabels?: boolean;
  seed?: number;
  /** Rank of a shared latent factor structure added before the ReLU (real penultimate features are strongly correlated). */
  latentDims?: number;
  /** Standard deviation of the independent per-feature noise (default 1). */
  noise?: number;
}

/**
 * ReLU-like synthetic features and a source head: x = relu(separation * e_{y mod D} + r + noise) with a shared random
 * offset r, and source logits 2 * [z mod C = y] + noise (so the source head carries label information too).
 * Used by the plugin invariants and the benchmark; not a model of any real dataset.
 */
export function syntheticInput(o: SyntheticOptions): Required<Pick<ScoreInput, 'features' | 'sourceProbabilities'>> & { labels: Int32Array } {
  const { n, d, classes, sourceClasses } = o;
  const { uniform, normal } = seededUniform(o.seed ?? 1);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % classes;
  const offset = Float64Array.from({ length: d }, () => 0.5 * normal());
  // Each class shifts a block of dimensions so the signal is spread over several of them.
  const block = Math.max(1, Math.floor(d / classes));
  const features = matrix(n, d);
  const r = o.latentDims ?? 0;
  const noise = o.noise ?? 1;
  const loading = Float64Array.from({ length: r * d }, () => (2 * normal()) / Math.sqrt(Math.max(r, 1)));
  const z = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    const lo = labels[i] * block;
    for (let q = 0; q < r; q++) z[q] = normal();
    for (let j = 0; j < d; j++) {
      const shift = j >= lo && j < lo + block ? o.separation / Math.sqrt(block) : 0;
      let latent = 0;
      for (let q = 0; q < r; q++) latent += z[q] * loading[q * d + j];
      features.data[i * d + j] = Math.max(0, offset[j] + shift + latent + noise * normal());
    }
  }
  const probs = matrix(n, sourceClasses);
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    const logits = new Float64Array(sourceClasses);
    for (let z = 0; z < sourceClasses; z++) {
      logits[z] = (z % classes === labels[i] ? Math.min(o.separation, 4) : 0) + normal();
      mx = Math.max(mx, logits[z]);
    }
    let s = 0;
    for (let z = 0; z < sourceClasses; z++) s += Math.exp(logits[z] - mx);
    for (let z = 0; z < sourceClasses; z++) probs.data[i * sourceClasses + z] = Math.exp(logits[z] - mx) / s;
  }
  if (o.randomLabels) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      [labels[i], labels[j]] = [labels[j], labels[i]];
    }
  }
  return { features, labels, sourceProbabilities: probs };
}
