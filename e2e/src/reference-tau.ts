/**
 * Kendall's tau-b by definition, O(n^2): the independent reference the e2e suite checks the product against.
 * tau_b = (C - D) / sqrt((n0 - n1) (n0 - n2)), n0 = n(n-1)/2, n1 / n2 = pairs tied in x / in y.
 */
export function referenceTauB(x: number[], y: number[]): number {
  let concordantMinusDiscordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i]! - x[j]!);
      const dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      concordantMinusDiscordant += dx * dy;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  return concordantMinusDiscordant / Math.sqrt((pairs - tiedX) * (pairs - tiedY));
}
