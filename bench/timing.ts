/** The timing pieces every bench shares: one percentile, one clock, one alternating product-vs-floor loop. */

/** The p-th percentile (nearest rank) of `values`; NaN when empty. */
export function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

/** Milliseconds since `t0` (a `process.hrtime.bigint()`). */
export const msSince = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

/** `p50 … ms   p99 … ms`, padded for tables. */
export const p50p99 = (xs: readonly number[]): string =>
  `p50 ${pct(xs, 50).toFixed(0).padStart(6)} ms   p99 ${pct(xs, 99).toFixed(0).padStart(6)} ms`;

/**
 * `rounds` rounds of the product and its floor (e.g. the raw calls it makes), alternating which goes first so
 * neither always runs on a warmer machine; each returns its own time in ms.
 */
export async function alternatingRounds(
  rounds: number,
  product: () => Promise<number>,
  floor: () => Promise<number>,
): Promise<{ product: number[]; floor: number[] }> {
  const out = { product: [] as number[], floor: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2) {
      out.floor.push(await floor());
      out.product.push(await product());
    } else {
      out.product.push(await product());
      out.floor.push(await floor());
    }
  }
  return out;
}
