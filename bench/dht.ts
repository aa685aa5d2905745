/**
 * Finding a contact through the DHT, in a local network of N nodes (200, 30 with --quick) spread
 * over BENCH_DHT_PROCS processes (4, 2 with --quick; bench/dht-cluster.ts), shaped like
 * hyphae's: a tenth of them DHT servers (relays; at least 4), the rest DHT clients (users),
 * each client bootstrapped through 3 random servers (bench/dht-network.ts).
 * A sample: two random clients A and B. B writes its rendezvous record for A (not timed: a node
 * does that in the background, retrying; here up to 3 tries), then A reads it
 * (protocols/rendezvous, today's and yesterday's key at once).
 * Baseline, the same run: the same graph again of bare libp2p nodes with stock kad-dht (same
 * roles, same bootstrap edges), where bare A looks up bare B by peer id (findPeer, useCache:
 * false): the lookup kad-dht itself offers. And a dial by known address between messengers.
 * Hops: see dht-lookups.ts. A lookup fails when it ends without B or after 10 s (the
 * rendezvous lookup's own timeout; 5 s with --quick).
 * BENCH_DHT_NODES / BENCH_DHT_SERVERS / BENCH_DHT_SAMPLES override the size (200 / 20 / 200,
 * 30 / 4 / 10 with --quick). BENCH_DEBUG=1 in the environment logs every lookup.
 */
import { DhtCluster } from './dht-cluster.ts'
import { PUBLISH_TRIES, type Lookup } from './dht-lookups.ts'
import { makeGraph } from './dht-network.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, round, summarize, type Summary } from './stats.ts'

/**
 * B writes its record for A (as its background publisher does: up to PUBLISH_TRIES attempts,
 * each bounded to 30 s), then A reads it: the lookup alone is timed.
 */
async function rendezvousLookup (net: DhtCluster, a: number, b: number, timeoutMs: number, tries: { count: number }): Promise<Lookup> {
  // a publish that throws took every try; one that returns says how many
  tries.count = PUBLISH_TRIES
  tries.count = (await net.call(b, { cmd: 'publish', for: net.nodes[a].peerId }, PUBLISH_TRIES * 31_000)).tries
  const found = await net.call(a, { cmd: 'lookup', of: net.nodes[b].peerId, timeoutMs }, timeoutMs + 5_000)
  if (!(found.multiaddrs as string[]).some(m => net.nodes[b].addrs.includes(m))) throw new Error('the record names none of B\'s addresses')
  return { ms: found.ms, hops: found.hops, queries: found.queries }
}

function pick (n: number, not?: number): number {
  while (true) {
    const i = Math.floor(Math.random() * n)
    if (i !== not) return i
  }
}

function tables (sizes: number[], servers: number): Record<string, number> {
  const clients = sizes.slice(servers).sort((x, y) => x - y)
  const serving = sizes.slice(0, servers).sort((x, y) => x - y)
  return { clientMin: clients[0], clientMedian: clients[Math.floor(clients.length / 2)], clientsEmpty: clients.filter(x => x === 0).length, serverMin: serving[0], serverMedian: serving[Math.floor(serving.length / 2)], serverMax: serving.at(-1) ?? 0 }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const size = Number(process.env.BENCH_DHT_NODES ?? (ctx.quick ? 30 : 200))
  const servers = Number(process.env.BENCH_DHT_SERVERS ?? Math.max(4, Math.round(size / 10)))
  const samples = Number(process.env.BENCH_DHT_SAMPLES ?? (ctx.quick ? 10 : 200))
  const timeoutMs = ctx.quick ? 5_000 : 10_000
  const procs = Number(process.env.BENCH_DHT_PROCS ?? (ctx.quick ? 2 : 4))
  const net = new DhtCluster(makeGraph(size, servers), procs)
  const client = (not?: number): number => servers + pick(size - servers, not == null ? undefined : not - servers)
  const pairs = Array.from({ length: samples }, () => { const i = client(); return [i, client(i)] })
  const debug = (line: string): void => { if (process.env.BENCH_DEBUG != null) ctx.log(line) }
  const found: Lookup[] = []
  const records: Lookup[] = []
  const dials: number[] = []
  let failures = 0
  let recordFailures = 0
  let publishFailures = 0
  const publishTries: number[] = []
  let dialFailures = 0
  let setupMs = 0
  try {
    ctx.log(`starting ${size} messengers (${servers} DHT servers) in ${procs} processes`)
    let t0 = now()
    await net.start('hyphae')
    await net.settle('hyphae', ctx.quick ? 5_000 : 120_000)
    setupMs += now() - t0
    const hyphaeTables = tables(await net.tableSizes('hyphae'), servers)
    ctx.log(`messengers up in ${Math.round((now() - t0) / 1000)} s; routing tables ${JSON.stringify(hyphaeTables)}`)
    let loopStart = now()
    for (const [s, [i, j]] of pairs.entries()) {
      const tries = { count: 0 }
      try {
        records.push(await rendezvousLookup(net, i, j, timeoutMs, tries))
        debug(`record ${j} -> ${i}: ${Math.round(records.at(-1)!.ms)} ms, ${records.at(-1)!.queries} queries, hops ${records.at(-1)!.hops}`)
      } catch (err: any) {
        recordFailures++
        if (String(err?.message).startsWith('PublishError')) publishFailures++
        const sizes = await net.tableSizes('hyphae')
        ctx.log(`record ${j} -> ${i} failed: ${err?.message} (tables ${sizes[j]} / ${sizes[i]})`)
      }
      publishTries.push(tries.count)
      const x = pick(size)
      try {
        dials.push((await net.call(x, { cmd: 'dial', which: 'hyphae', addrs: net.nodes[pick(size, x)].addrs }, 35_000)).ms)
      } catch (err: any) {
        dialFailures++
        ctx.log(`dial failed: ${err?.message}`)
      }
      if ((s + 1) % Math.max(1, Math.floor(samples / 5)) === 0) ctx.log(`${s + 1}/${samples} rendezvous lookups (${Math.round((now() - loopStart) / 1000)} s)`)
    }
    await net.stopNodes('hyphae')

    ctx.log(`starting ${size} bare kad-dht nodes, the same graph`)
    t0 = now()
    await net.start('bare')
    await net.settle('bare', ctx.quick ? 5_000 : 120_000)
    setupMs += now() - t0
    const bareTables = tables(await net.tableSizes('bare'), servers)
    ctx.log(`bare nodes up in ${Math.round((now() - t0) / 1000)} s; routing tables ${JSON.stringify(bareTables)}`)
    loopStart = now()
    for (const [s, [i, j]] of pairs.entries()) {
      try {
        const lookup = await net.call(i, { cmd: 'findPeer', of: net.nodes[j].peerId, timeoutMs }, timeoutMs + 5_000)
        found.push({ ms: lookup.ms, hops: lookup.hops, queries: lookup.queries })
        debug(`bare findPeer ${i} -> ${j}: ${Math.round(found.at(-1)!.ms)} ms, ${found.at(-1)!.queries} queries, hops ${found.at(-1)!.hops}`)
      } catch (err: any) {
        failures++
        debug(`bare findPeer ${i} -> ${j} failed: ${err?.message}`)
      }
      if ((s + 1) % Math.max(1, Math.floor(samples / 5)) === 0) ctx.log(`${s + 1}/${samples} bare lookups (${Math.round((now() - loopStart) / 1000)} s)`)
    }
    const f = summarize(found.map(l => l.ms))
    const d = summarize(dials)
    const r = summarize(records.map(l => l.ms))
    const hops = found.map(l => l.hops).filter(h => h != null)
    const recordHops = records.map(l => l.hops).filter(h => h != null)
    const mean = (xs: number[]): number | null => xs.length > 0 ? xs.reduce((x, y) => x + y, 0) / xs.length : null
    const ms = (x: Summary): Record<string, number> => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, k === 'n' ? v : round(v)]))
    return {
      figures: [
        figure({ name: `rendezvous lookup p50, ${size} nodes`, unit: 'ms', value: r.p50, baseline: 'bare kad-dht findPeer p50', baselineValue: f.p50, better: 'lower', n: r.n }),
        figure({ name: `rendezvous lookup p95, ${size} nodes`, unit: 'ms', value: r.p95, baseline: 'bare kad-dht findPeer p95', baselineValue: f.p95, better: 'lower', n: r.n }),
        figure({ name: 'rendezvous lookup success', unit: '', value: records.length / samples, baseline: 'bare kad-dht findPeer success', baselineValue: found.length / samples, better: 'higher', n: samples }),
        figure({ name: 'rendezvous lookup success, record stored', unit: '', value: records.length / Math.max(1, samples - publishFailures), baseline: 'bare kad-dht findPeer success', baselineValue: found.length / samples, better: 'higher', n: samples - publishFailures }),
        figure({ name: 'rendezvous lookup hops (mean)', unit: 'hops', value: mean(recordHops), baseline: 'bare kad-dht findPeer hops (mean)', baselineValue: mean(hops), better: 'lower', n: recordHops.length }),
        figure({ name: 'rendezvous lookup p50 vs a dial', unit: 'ms', value: r.p50, baseline: 'dial by known address p50', baselineValue: d.p50, better: 'lower', n: r.n })
      ],
      details: {
        nodes: size,
        servers,
        processes: procs,
        samples,
        failures,
        recordFailures,
        publishFailures,
        publishTries: ms(summarize(publishTries)),
        publishedFirstTry: publishTries.filter(t => t === 1).length,
        dialFailures,
        setupMs: Math.round(setupMs),
        routingTables: { hyphae: hyphaeTables, bare: bareTables },
        rendezvousMs: ms(r),
        queriesPerRecordLookup: ms(summarize(records.map(l => l.queries))),
        bareFindPeerMs: ms(f),
        queriesPerBareFindPeer: ms(summarize(found.map(l => l.queries))),
        dialMs: ms(d)
      }
    }
  } finally {
    await net.stop()
  }
}

export const bench: Bench = {
  name: 'dht',
  description: 'rendezvous-record lookups between DHT clients: latency p50/p95, success and hops vs stock kad-dht findPeer on the same graph',
  tags: ['network'],
  run
}
