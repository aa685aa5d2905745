/**
 * DHT peer routing in a local network of N messengers in one process (200, 30 with --quick),
 * each bootstrapped through up to 3 random earlier nodes, left to fill their routing tables.
 * A sample: a random node A looks up a random node B by peer id the way messenger.findPeer()
 * does (libp2p.peerRouting.findPeer, useCache: false) after dropping B from A's routing table,
 * so the answer has to come from other nodes. kad-dht's query events (onProgress) give the hops:
 * the depth of the peer that returned B, with the peers A asked first at depth 1, and how many
 * queries were sent. A lookup fails when it ends without B or after 30 s (5 s with --quick).
 * BENCH_DEBUG=1 in the environment logs every lookup.
 * Baseline: a node dialling another by its known address (a fresh connection, force: true).
 * Side by side, in the same network: B writes its rendezvous record for A (not timed: a node
 * does that in the background), then A reads it (protocols/rendezvous, today's and yesterday's
 * key at once); hops are the depth of the first peer that answered with the record.
 * BENCH_DHT_NODES / BENCH_DHT_SAMPLES override the size (200 / 200, 30 / 10 with --quick).
 *
 * Messengers run with `relayClient: false`, as in scale.ts: otherwise every node's relay search
 * keeps the DHT busy nonstop, and N of them in one process saturate the CPU.
 *
 * They also run with `dhtServer: true`: a user is a DHT client by default, and no server names a
 * client (test/net/dht-crawl.spec.ts), so findPeer finds only servers (relays, users who opt
 * in). This measures a lookup among servers; a user is found through its invite's addresses
 * and relays, or a rendezvous record, instead.
 */
import { createMessenger } from '../node/create-node.ts'
import { removeDir, tempDir } from '../test/fixtures/index.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, round, summarize, type Summary } from './stats.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'
import type { PeerId } from '@libp2p/interface'

/** messengers started at once; each later batch bootstraps through the ones before */
const BATCH = 10

/**
 * Starts `size` messengers, a batch at a time, each bootstrapped through up to 3 random nodes of
 * the earlier batches; resolves once the routing tables stop growing (or at `settleTimeout`).
 */
async function startNetwork (size: number, settleTimeout: number, nodes: HyphaeMessenger[], dirs: string[]): Promise<number[]> {
  while (nodes.length < size) {
    const earlier = [...nodes]
    // the first node alone, so that every later one has someone to bootstrap through
    const batch = Array.from({ length: nodes.length === 0 ? 1 : Math.min(BATCH, size - nodes.length) }, async () => {
      const dir = await tempDir('hyphae-bench-dht-')
      dirs.push(dir)
      const some = earlier.length === 0 ? [] : [...new Set(Array.from({ length: Math.min(3, earlier.length) }, () => earlier[pick(earlier.length)]))]
      return createMessenger({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, relayClient: false, dhtServer: true, bootstrap: some.map(n => n.libp2p.getMultiaddrs()[0].toString()) })
    })
    const started = await Promise.allSettled(batch)
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value)
    const failed = started.find(r => r.status === 'rejected')
    if (failed != null) throw (failed as PromiseRejectedResult).reason
  }
  // the network has settled when no routing table has grown for 3 polls in a row
  const deadline = now() + settleTimeout
  let last = -1
  let still = 0
  let sizes: number[] = []
  while (now() < deadline && still < 3) {
    await new Promise(resolve => setTimeout(resolve, 500))
    sizes = nodes.map(n => n.libp2p.services.dht.routingTable.size)
    const total = sizes.reduce((x, y) => x + y, 0)
    still = total === last ? still + 1 : 0
    last = total
  }
  return sizes
}

interface Lookup { ms: number, hops: number | null, queries: number }

/** kad-dht's query events: queries sent, and the depth of the first peer that answered */
function tracker (answered: (e: any, type: string) => boolean): { onProgress: (evt: CustomEvent<any>) => void, result: () => { hops: number | null, queries: number } } {
  const depth = new Map<string, number>()
  let queries = 0
  let hops: number | null = null
  const onProgress = (evt: CustomEvent<any>): void => {
    const e = evt.detail
    switch (evt.type) {
      case 'kad-dht:query:send-query':
        queries++
        if (!depth.has(e.to.toString())) depth.set(e.to.toString(), 1)
        break
      case 'kad-dht:query:peer-response': {
        const d = (depth.get(e.from.toString()) ?? 1) + 1
        for (const p of e.closer ?? []) {
          const key = p.id.toString()
          if ((depth.get(key) ?? Infinity) > d) depth.set(key, d)
        }
        break
      }
    }
    if (answered(e, evt.type)) hops ??= depth.get(e.from.toString()) ?? null
  }
  return { onProgress, result: () => ({ hops, queries }) }
}

async function lookup (a: HyphaeMessenger, b: PeerId, timeoutMs: number): Promise<Lookup> {
  const { onProgress, result } = tracker((_, type) => type === 'kad-dht:query:final-peer')
  await a.libp2p.services.dht.routingTable.remove(b)
  const t0 = now()
  await a.libp2p.peerRouting.findPeer(b, { signal: AbortSignal.timeout(timeoutMs), useCache: false, onProgress } as any)
  return { ms: now() - t0, ...result() }
}

/** B writes its record for A, then A reads it: the lookup alone is timed. */
async function rendezvousLookup (a: HyphaeMessenger, b: HyphaeMessenger, timeoutMs: number): Promise<Lookup> {
  const stored = await b.direct.rendezvous.service.publish(a.libp2p.peerId, b.libp2p.getMultiaddrs(), { signal: AbortSignal.timeout(30_000) })
  if (!stored.some(n => n > 0)) throw new Error('no server took the record')
  const { onProgress, result } = tracker((e, type) => type === 'kad-dht:query:peer-response' && e.record != null)
  const t0 = now()
  const found = await a.direct.rendezvous.service.lookup(b.libp2p.peerId, { signal: AbortSignal.timeout(timeoutMs), onProgress })
  const ms = now() - t0
  if (!found.multiaddrs.some(m => b.libp2p.getMultiaddrs().some(x => x.equals(m)))) throw new Error('the record names none of B\'s addresses')
  return { ms, ...result() }
}

async function dialByAddress (a: HyphaeMessenger, b: HyphaeMessenger): Promise<number> {
  const t0 = now()
  const connection = await a.libp2p.dial(b.libp2p.getMultiaddrs(), { force: true, signal: AbortSignal.timeout(30_000) })
  const ms = now() - t0
  await connection.close().catch(() => {})
  return ms
}

function pick (n: number, not?: number): number {
  while (true) {
    const i = Math.floor(Math.random() * n)
    if (i !== not) return i
  }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const size = Number(process.env.BENCH_DHT_NODES ?? (ctx.quick ? 30 : 200))
  const samples = Number(process.env.BENCH_DHT_SAMPLES ?? (ctx.quick ? 10 : 200))
  const nodes: HyphaeMessenger[] = []
  const dirs: string[] = []
  try {
    ctx.log(`starting ${size} messengers, ${BATCH} at a time`)
    const t0 = now()
    const sizes = await startNetwork(size, ctx.quick ? 3_000 : 120_000, nodes, dirs)
    const setupMs = now() - t0
    const sorted = [...sizes].sort((x, y) => x - y)
    ctx.log(`network up in ${Math.round(setupMs / 1000)} s; routing tables ${sorted[0]}..${sorted.at(-1)} peers`)

    const found: Lookup[] = []
    const records: Lookup[] = []
    const dials: number[] = []
    let failures = 0
    let recordFailures = 0
    let dialFailures = 0
    const loopStart = now()
    for (let s = 0; s < samples; s++) {
      const i = pick(size)
      const j = pick(size, i)
      try {
        found.push(await lookup(nodes[i], nodes[j].libp2p.peerId, ctx.quick ? 5_000 : 30_000))
        if (process.env.BENCH_DEBUG != null) ctx.log(`lookup ${i} -> ${j}: ${Math.round(found.at(-1)!.ms)} ms, ${found.at(-1)!.queries} queries, hops ${found.at(-1)!.hops}`)
      } catch (err: any) {
        failures++
        ctx.log(`lookup ${i} -> ${j} failed: ${err?.message}`)
      }
      try {
        records.push(await rendezvousLookup(nodes[i], nodes[j], ctx.quick ? 5_000 : 30_000))
        if (process.env.BENCH_DEBUG != null) ctx.log(`record ${j} -> ${i}: ${Math.round(records.at(-1)!.ms)} ms, hops ${records.at(-1)!.hops}`)
      } catch (err: any) {
        recordFailures++
        ctx.log(`record ${j} -> ${i} failed: ${err?.message}`)
      }
      const x = pick(size)
      try {
        dials.push(await dialByAddress(nodes[x], nodes[pick(size, x)]))
      } catch (err: any) {
        dialFailures++
        ctx.log(`dial failed: ${err?.message}`)
      }
      if ((s + 1) % Math.max(1, Math.floor(samples / 5)) === 0) ctx.log(`${s + 1}/${samples} lookups (${Math.round((now() - loopStart) / 1000)} s)`)
    }
    const f = summarize(found.map(l => l.ms))
    const d = summarize(dials)
    const r = summarize(records.map(l => l.ms))
    const hops = found.map(l => l.hops).filter(h => h != null)
    const recordHops = records.map(l => l.hops).filter(h => h != null)
    const mean = (xs: number[]): number | null => xs.length > 0 ? xs.reduce((x, y) => x + y, 0) / xs.length : null
    const ms = (x: Summary): Record<string, number> => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'n' ? v : round(v)]))
    const histogram: Record<string, number> = {}
    for (const h of hops) histogram[h] = (histogram[h] ?? 0) + 1
    return {
      figures: [
        figure({ name: `findPeer p50, ${size} nodes`, unit: 'ms', value: f.p50, baseline: 'dial by known address p50', baselineValue: d.p50, better: 'lower', n: f.n }),
        figure({ name: `findPeer p95, ${size} nodes`, unit: 'ms', value: f.p95, baseline: 'dial by known address p95', baselineValue: d.p95, better: 'lower', n: f.n }),
        figure({ name: 'findPeer success', unit: '', value: found.length / samples, baseline: 'dial by known address success', baselineValue: dials.length / samples, better: 'higher', n: samples }),
        figure({ name: 'findPeer hops (mean)', unit: 'hops', value: mean(hops), baseline: 'direct dial', baselineValue: 1, better: 'lower', n: hops.length }),
        figure({ name: `rendezvous lookup p50, ${size} nodes`, unit: 'ms', value: r.p50, baseline: 'findPeer p50', baselineValue: f.p50, better: 'lower', n: r.n }),
        figure({ name: `rendezvous lookup p95, ${size} nodes`, unit: 'ms', value: r.p95, baseline: 'findPeer p95', baselineValue: f.p95, better: 'lower', n: r.n }),
        figure({ name: 'rendezvous lookup success', unit: '', value: records.length / samples, baseline: 'findPeer success', baselineValue: found.length / samples, better: 'higher', n: samples }),
        figure({ name: 'rendezvous lookup hops (mean)', unit: 'hops', value: mean(recordHops), baseline: 'findPeer hops (mean)', baselineValue: mean(hops), better: 'lower', n: recordHops.length })
      ],
      details: {
        nodes: size,
        samples,
        failures,
        recordFailures,
        dialFailures,
        rendezvousMs: ms(r),
        queriesPerRecordLookup: ms(summarize(records.map(l => l.queries))),
        setupMs: Math.round(setupMs),
        routingTableSizes: { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) },
        findPeerMs: ms(f),
        dialMs: ms(d),
        hopsHistogram: histogram,
        queriesPerLookup: ms(summarize(found.map(l => l.queries)))
      }
    }
  } finally {
    const t0 = now()
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await Promise.allSettled(dirs.map(removeDir))
    ctx.log(`network stopped in ${((now() - t0) / 1000).toFixed(1)} s`)
  }
}

export const bench: Bench = {
  name: 'dht',
  description: 'findPeer and rendezvous-record lookups: latency p50/p95, success and hops in a local network vs a dial by known address',
  tags: ['network'],
  run
}
