/**
 * Seeded pseudo-random numbers that are identical on every machine and JavaScript engine: xoshiro128**
 * (Blackman & Vigna) on 32-bit integer arithmetic (Math.imul, shifts), its 128-bit state filled from the
 * seed by SplitMix64 (BigInt, used only while seeding), as the generator's authors recommend.
 *
 * References: D. Blackman, S. Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021,
 * https://prng.di.unimi.it/; G. Steele, D. Lea, C. Flood, "Fast splittable pseudorandom number generators",
 * OOPSLA 2014 (SplitMix64).
 */
export interface Rng {
  /** Next 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, n) without modulo bias (rejection sampling), n an integer in [1, 2^32]. */
  nextInt(n: number): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number;
}

const MASK64 = (1n << 64n) - 1n;

/** The first `count` outputs of SplitMix64 from `seed`, as BigInts. */
export function splitMix64(seed: bigint, count: number): bigint[] {
  let state = seed & MASK64;
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    out.push(z ^ (z >> 31n));
  }
  return out;
}

/**
 * A xoshiro128** generator seeded with a non-negative safe integer. The four 32-bit state words are the low
 * and high halves of the first two SplitMix64 outputs for that seed.
 * @throws RangeError when seed is not a non-negative safe integer.
 */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`createRng: seed must be a non-negative safe integer, got ${seed}`);
  }
  const [a, b] = splitMix64(BigInt(seed), 2);
  let s0 = Number(a & 0xffffffffn) | 0;
  let s1 = Number(a >> 32n) | 0;
  let s2 = Number(b & 0xffffffffn) | 0;
  let s3 = Number(b >> 32n) | 0;
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point (not reachable in practice)

  const nextUint32 = (): number => {
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  };

  const nextInt = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`nextInt: n must be an integer in [1, 2^32], got ${n}`);
    // Accept only draws below the largest multiple of n, so every residue is equally likely.
    const limit = 2 ** 32 - (2 ** 32 % n);
    let r = nextUint32();
    while (r >= limit) r = nextUint32();
    return r % n;
  };

  const nextFloat = (): number => ((nextUint32() >>> 5) * 67108864 + (nextUint32() >>> 6)) / 9007199254740992;

  return { nextUint32, nextInt, nextFloat };
}
