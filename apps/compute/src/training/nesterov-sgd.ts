import { type Tensor, type Variable, add, mul, sub, tidy, variable, zerosLike } from '@tensorflow/tfjs-core';

/** The study's optimiser settings: `torch.optim.SGD(params, lr, momentum, weight_decay, nesterov)`. */
export interface SgdOptions {
  /** Momentum mu (the study: 0.9). */
  momentum: number;
  /** Nesterov's correction (the study: true). */
  nesterov: boolean;
  /** L2 weight decay lambda, added to the gradient of every parameter (biases and batch-norm scales included). */
  weightDecay: number;
}

/**
 * Mini-batch SGD with momentum, Nesterov's correction and coupled L2 weight decay, exactly as PyTorch's
 * `torch.optim.SGD` (dampening 0) updates a parameter w with gradient grad at learning rate lr:
 *
 *   g = grad + lambda w;   v <- mu v + g (v starts at 0, so the first v is g);
 *   w <- w - lr (g + mu v)   (Nesterov)   or   w <- w - lr v   (plain momentum).
 *
 * tfjs' own MomentumOptimizer has no weight decay, so the update is written out here; it runs on the current
 * backend in float32. The same rule updates the linear probe (`linear-probe.ts`) in float64.
 */
export class NesterovSgd {
  private readonly velocity = new Map<Variable, Variable>();

  constructor(private readonly options: SgdOptions) {
    const { momentum, weightDecay } = options;
    if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${momentum}`);
    if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) throw new RangeError(`weightDecay must be finite and >= 0, got ${weightDecay}`);
  }

  /** One update of every variable that has a gradient (a variable without one is left alone, as PyTorch does). */
  step(updates: readonly { variable: Variable; gradient: Tensor }[], learningRate: number): void {
    if (!(learningRate >= 0) || !Number.isFinite(learningRate)) throw new RangeError(`learningRate must be finite and >= 0, got ${learningRate}`);
    const { momentum, nesterov, weightDecay } = this.options;
    for (const { variable: w } of updates) {
      if (this.velocity.has(w)) continue;
      // Created outside tidy: the velocity outlives the step (the variable shares the zeros' data, so they can go).
      const zeros = zerosLike(w);
      this.velocity.set(w, variable(zeros, false));
      zeros.dispose();
    }
    tidy(() => {
      for (const { variable: w, gradient } of updates) {
        const v = this.velocity.get(w)!;
        const g = weightDecay > 0 ? add(gradient, mul(w, weightDecay)) : gradient;
        const next = add(mul(v, momentum), g);
        v.assign(next);
        const direction = nesterov ? add(g, mul(next, momentum)) : next;
        w.assign(sub(w, mul(direction, learningRate)));
      }
    });
  }

  /** Frees the velocity buffers. */
  dispose(): void {
    for (const v of this.velocity.values()) v.dispose();
    this.velocity.clear();
  }
}
