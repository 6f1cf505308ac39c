import { seededUniform as uniformStream } from './linalg/random';

/** Seeded uniform and standard normal (Box-Muller) streams sharing one generator. */
export function seededUniform(seed: number): { uniform: () => number; normal: () => number } {
  const uniform = uniformStream(seed);
  let spare: number | null = null;
  const normal = (): number => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}
