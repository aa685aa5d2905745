/**
 * Channel fan-out (issue 16): group-fanout's measurement for a channel. Node 0 creates a
 * channel, every other node follows it along a random graph (no joins: followers announce
 * nothing and prove they hold the key by a history request before they enter a neighbour's
 * mesh), and node 0 alone posts 1 KiB texts one at a time; per post, the time until every
 * follower has emitted it (verified, stored), and the delivery ratio. Baseline: bare gossipsub
 * on exactly the graph the channel ended with, every message from node 0 too, in the same run,
 * each side in a process of its own (group-fanout-worker.ts --kind channel).
 *
 * Sizes: 10 and 50 (--quick), else 10, 50, 100 and 500; HYPHAE_CHANNEL_SIZES=500 runs only those.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { detail, figures, runSide, settings } from './group-fanout.ts'
import type { Bench, BenchContext, BenchResult } from './report.ts'

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const fromEnv = process.env.HYPHAE_CHANNEL_SIZES?.split(',').map(Number).filter(n => Number.isInteger(n) && n >= 2 && n <= 2000)
  const sizes = fromEnv != null && fromEnv.length > 0 ? fromEnv : ctx.quick ? [10, 50] : [10, 50, 100, 500]
  const dir = await mkdtemp(join(tmpdir(), 'hyphae-bench-channel-'))
  const out: BenchResult = {
    figures: [],
    details: { sizes, messageBytes: 1024 },
    notes: ['as group-fanout: 127.0.0.1 exempt from P6 on both sides, members with relayClient, dhtServer and reconnect off; one author (node 0) on both sides']
  }
  try {
    for (const n of sizes) {
      const s = settings(n, ctx.quick)
      const graph = join(dir, `graph-${n}.json`)
      ctx.log(`${n} members, ${s.messages} posts: hyphae channel, then bare gossipsub on the same graph`)
      const hyphae = await runSide('hyphae', s, graph, ctx.log, 'channel')
      if (hyphae.error != null) out.notes!.push(`${n} members, hyphae: failed: ${hyphae.error}`)
      const bare = await runSide('bare', s, hyphae.result != null ? graph : undefined, ctx.log, 'channel')
      if (bare.error != null) out.notes!.push(`${n} members, bare gossipsub: failed: ${bare.error}`)
      out.figures.push(...figures(n, hyphae, bare, 'channel'))
      out.details![`members${n}`] = { settings: s, hyphae: detail(hyphae, n), bare: detail(bare, n) }
      const split = (hyphae.result?.pieces ?? []) as number[]
      if (split.length > 1) out.notes!.push(`${n} members: the graph had fallen into ${split.length} pieces when posting started (largest ${split[0]}): no post can reach every follower, on either side`)
      if (hyphae.result?.meshFormed === false || bare.result?.meshFormed === false) out.notes!.push(`${n} members: a mesh was not fully formed when posting started (hyphae ${hyphae.result?.meshFormed}, bare ${bare.result?.meshFormed})`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return out
}

export const bench: Bench = {
  name: 'channel-fanout',
  description: 'channel post fan-out (one author): time to all followers p50/p99 and delivery, vs bare gossipsub from one publisher on the same graph',
  tags: ['gossip', 'group', 'channel'],
  run
}
