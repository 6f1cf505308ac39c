import { createHash } from 'node:crypto';
import { MetricInputError } from '../errors';
import { type MetricDefinition, type PoolMember } from '../registry/metric';

/**
 * The id of a pool of models: a pool-relative score (ETran, NCTI) is stored with it, so a value is only ever compared
 * with values of the same pool, and adding or removing a model gives a new id (and a recomputation) rather than
 * silently mixing normalisations. Order-insensitive; `pool-` + 16 hex digits of SHA-256 over the sorted, distinct ids.
 */
export function poolId(models: readonly string[]): string {
  const ids = [...new Set(models)].sort();
  if (ids.length === 0) throw new MetricInputError('shape_mismatch', 'a model pool needs at least one model');
  return `pool-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16)}`;
}

/**
 * Min-max normalisation across a pool: (v - min) / (max - min). A component with no spread (a pool of one, or equal
 * values) carries no ranking information and maps to 0 for every member.
 */
export function minMaxNormalise(values: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new MetricInputError('non_finite', `cannot min-max normalise a non-finite value (${v})`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const spread = hi - lo;
  return values.map((v) => (spread > 0 ? (v - lo) / spread : 0));
}

/**
 * Sum over named components of their min-max normalisation across the pool (optionally weighted): the combination
 * ETran and NCTI publish. Every member must have every component.
 */
export function sumOfNormalisedComponents(members: readonly PoolMember[], weights: Readonly<Record<string, number>> = {}): number[] {
  if (members.length === 0) return [];
  const names = Object.keys(members[0].result.components ?? {});
  if (names.length === 0) throw new MetricInputError('shape_mismatch', `pool member ${members[0].model} has no components`);
  const total = new Array<number>(members.length).fill(0);
  for (const name of names) {
    const column = members.map((m) => {
      const v = m.result.components?.[name];
      if (v === undefined) throw new MetricInputError('shape_mismatch', `pool member ${m.model} lacks component "${name}"`);
      return v;
    });
    const w = weights[name] ?? 1;
    minMaxNormalise(column).forEach((v, i) => (total[i] += w * v));
  }
  return total;
}

export interface PoolScore {
  model: string;
  value: number;
}

/** The pool-relative scores of `metric` for every member (member order); `metric` must be pool-relative. */
export function scorePool(metric: MetricDefinition, members: readonly PoolMember[]): PoolScore[] {
  if (!metric.poolRelative || !metric.relativise) {
    throw new MetricInputError('shape_mismatch', `metric ${metric.id} is not pool-relative`);
  }
  const values = metric.relativise(members);
  if (values.length !== members.length) {
    throw new MetricInputError('shape_mismatch', `${metric.id}.relativise returned ${values.length} values for ${members.length} members`);
  }
  return members.map((m, i) => ({ model: m.model, value: values[i] }));
}
