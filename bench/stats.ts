/** Summaries of a list of samples. Percentiles interpolate linearly between closest ranks. */

export interface Summary {
  n: number
  min: number
  max: number
  mean: number
  p50: number
  p95: number
  p99: number
}

/** The p-th percentile (0..100) of `sorted`, which must be sorted ascending and non-empty. */
export function percentileOfSorted (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no samples')
  if (p <= 0) return sorted[0]
  if (p >= 100) return sorted[sorted.length - 1]
  const rank = (p / 100) * (sorted.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo)
}

export function percentile (samples: readonly number[], p: number): number {
  return percentileOfSorted([...samples].sort((a, b) => a - b), p)
}

export function mean (samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('no samples')
  let sum = 0
  for (const s of samples) sum += s
  return sum / samples.length
}

export function summarize (samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    n: sorted.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: mean(sorted),
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99)
  }
}

/** Least-squares slope of y over x (e.g. bytes per second of a memory series). */
export function slope (xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length || xs.length < 2) return 0
  const mx = mean(xs)
  const my = mean(ys)
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}

/** Rounds for a report: 3 significant digits, integers kept whole. */
export function round (value: number): number {
  if (!Number.isFinite(value)) return value
  if (Math.abs(value) >= 100) return Math.round(value)
  return Number(value.toPrecision(3))
}

/** A summary with its times rounded for a report (n kept whole); null stays null. */
export function rounded (s: Summary | null): Record<string, number> | null {
  return s == null ? null : Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v)]))
}

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function now (): number {
  return performance.now()
}
