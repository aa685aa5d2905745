/**
 * The groups' token buckets (node/groups/rate-limit.ts) against libp2p's RateLimiter
 * (@libp2p/utils, a fixed window), on what a flood looks like: cost per admitted and per refused
 * message, and how many one key gets through in 0.2 s at the groups' limit (burst 100, 20/s)
 * when it times its flood to a window's end.
 *
 * usage: node --import tsx bench/rate-limit.ts [--calls 200000]
 */
import { mock } from 'node:test'
import { parseArgs } from 'node:util'
import { RateLimiter } from '@libp2p/utils'
import { TokenBuckets } from '../node/groups/rate-limit.ts'

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200000' } } })
const calls = Number(values.calls)
const BURST = 100
const PER_SECOND = 20

function time (fn: (i: number) => void): number {
  const t0 = performance.now()
  for (let i = 0; i < calls; i++) fn(i)
  return (performance.now() - t0) * 1e6 / calls
}

const tryConsume = (limiter: RateLimiter, key: string): boolean => {
  try { limiter.consume(key); return true } catch { return false }
}
const keys = Array.from({ length: 1000 }, (_, i) => `group!peer${i}`)
const rows: Record<string, number> = {}
for (let round = 0; round < 2; round++) {
  // admitted: 1,000 keys in turn, far under their limit
  const buckets = new TokenBuckets({ burst: 1e9, perSecond: 1e9 })
  const window = new RateLimiter({ points: 1e9, duration: BURST / PER_SECOND, keyPrefix: '' })
  rows['admitted, token buckets (ns)'] = time(i => buckets.take(keys[i % 1000]))
  rows['admitted, RateLimiter (ns)'] = time(i => tryConsume(window, keys[i % 1000]))
  // refused: one key far over its limit
  const full = new TokenBuckets({ burst: 1, perSecond: 1e-9 })
  const fullWindow = new RateLimiter({ points: 1, duration: 1e6, keyPrefix: '' })
  rows['refused, token buckets (ns)'] = time(() => full.take('k'))
  rows['refused, RateLimiter (ns)'] = time(() => tryConsume(fullWindow, 'k'))
  for (const w of [window, fullWindow]) for (const k of [...w.memoryStorage.storage.keys()]) w.delete(k)
}

// what a flooder gets through in 0.2 s: one message at 0 (which starts a window), then a try
// every ms from 4.9 s to 5.1 s, across the end of RateLimiter's window; on a mocked clock
mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 0 })
let clock = 0
const tb = new TokenBuckets({ burst: BURST, perSecond: PER_SECOND, now: () => clock })
const rl = new RateLimiter({ points: BURST, duration: BURST / PER_SECOND, keyPrefix: '' })
tb.take('k')
tryConsume(rl, 'k')
let tbPassed = 0
let rlPassed = 0
mock.timers.tick(4_900)
for (clock = 4_900; clock <= 5_100; clock++) {
  if (tb.take('k')) tbPassed++
  if (tryConsume(rl, 'k')) rlPassed++
  mock.timers.tick(1)
}
mock.timers.reset()
process.stdout.write(JSON.stringify({
  ...Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(v)])),
  'let through in 0.2 s across a window end, token buckets': tbPassed,
  'let through in 0.2 s across a window end, RateLimiter': rlPassed
}, null, 1) + '\n')
