/**
 * The cost of looking like HTTPS: DM round trip and pipelined throughput between two messengers
 * over the website transport (TLS 1.3, WebSocket on a secret path, Noise and yamux inside),
 * next to the same over plain TCP (Noise and yamux), in the same process and interleaved round
 * by round. Both pairs have the relay client off (see dm-rtt.ts for why).
 */
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { selfSignedCertificate } from '../node/net/website/certificate.ts'
import { createNetwork, removeDir, tempDir, type Network } from '../test/fixtures/index.ts'
import { DeliveryWatch, messageText, messengerPair, type MessengerPair } from './pairs.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, summarize, type Summary } from './stats.ts'

const ROUNDS = 10
const IN_FLIGHT = 64

/** A sender and a receiver that listens only on a website address; the sender dials it pinned. */
async function websitePair (dir: string): Promise<MessengerPair> {
  const certificate = await selfSignedCertificate(join(dir, 'tls'), 'bench.example')
  const network: Network = await createNetwork(2, {
    init: (i) => i === 1
      ? { relayClient: false, listen: ['/ip4/127.0.0.1/tcp/0/tls/ws/http-path/benchpath'], website: { certificate, announceTls: `/tls/sni/bench.example/certhash/${certificate.certhash}` } }
      // the sender listens nowhere, so the receiver cannot open a TCP connection back to it
      : { relayClient: false, listen: [] }
  })
  const [sender, receiver] = network.nodes
  try {
    await sender.addContact((await receiver.id()).invite, 'receiver')
    await receiver.addContact((await sender.id()).invite, 'sender')
    const address = (await receiver.id()).addresses.find(a => a.includes('/http-path/'))
    if (address == null) throw new Error('the receiver has no website address')
    await sender.connect(multiaddr(address).toString())
    const via = (await sender.status()).peers.filter(p => p.peerId === receiver.peerId).map(p => p.address)
    if (!via.every(a => a.includes('/tls/'))) throw new Error(`the pair is not connected over TLS only: ${via.join(' ')}`)
  } catch (err) {
    await network.stop()
    throw err
  }
  const watch = new DeliveryWatch(sender)
  return { network, sender, receiver, watch, stop: async () => { watch.detach(); await network.stop() } }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const samples = ctx.quick ? 200 : 2000
  const messages = ctx.quick ? 500 : 5000
  const perRound = Math.ceil(samples / ROUNDS)
  let seq = 0
  const rtt = async (pair: MessengerPair): Promise<number> => {
    const t0 = now()
    const { id } = await pair.sender.sendMessage(pair.receiver.peerId, messageText(seq++))
    return (await pair.watch.deliveredAt(id)) - t0
  }
  const pipelined = async (pair: MessengerPair, count: number): Promise<number> => {
    pair.watch.forget()
    const ids: string[] = new Array(count)
    let next = 0
    const t0 = now()
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) { const i = next++; ids[i] = (await pair.sender.sendMessage(pair.receiver.peerId, messageText(i))).id }
    }))
    let last = 0
    for (const id of ids) last = Math.max(last, await pair.watch.deliveredAt(id, 300_000))
    return count / ((last - t0) / 1000)
  }

  const dir = await tempDir('hyphae-bench-wss-')
  let tcp: MessengerPair | undefined
  let wss: MessengerPair | undefined
  const times: Record<'tcp' | 'wss', number[]> = { tcp: [], wss: [] }
  const rates: Record<'tcp' | 'wss', number[]> = { tcp: [], wss: [] }
  try {
    tcp = await messengerPair({ relayClient: false })
    wss = await websitePair(dir)
    for (let i = 0; i < 20; i++) { await rtt(tcp); await rtt(wss) }
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < perRound; i++) times.tcp.push(await rtt(tcp))
      for (let i = 0; i < perRound; i++) times.wss.push(await rtt(wss))
      ctx.log(`rtt round ${r + 1}/${ROUNDS}`)
    }
    // throughput: alternating runs of each, so a change in the machine's load hits both
    for (let r = 0; r < 2; r++) {
      rates.tcp.push(await pipelined(tcp, messages))
      rates.wss.push(await pipelined(wss, messages))
      ctx.log(`throughput run ${r + 1}/2: tcp ${Math.round(rates.tcp.at(-1) ?? 0)}/s, wss ${Math.round(rates.wss.at(-1) ?? 0)}/s`)
    }
  } finally {
    await tcp?.stop().catch(() => {})
    await wss?.stop().catch(() => {})
    await removeDir(dir)
  }
  const s: Record<'tcp' | 'wss', Summary> = { tcp: summarize(times.tcp), wss: summarize(times.wss) }
  const best = (list: number[]): number => Math.max(...list)
  return {
    figures: [
      figure({ name: 'DM RTT p50 over wss (website transport)', unit: 'ms', value: s.wss.p50, baseline: 'DM RTT p50 over TCP', baselineValue: s.tcp.p50, better: 'lower', n: s.wss.n }),
      figure({ name: 'DM RTT p99 over wss', unit: 'ms', value: s.wss.p99, baseline: 'DM RTT p99 over TCP', baselineValue: s.tcp.p99, better: 'lower', n: s.wss.n }),
      figure({ name: `DMs/s over wss, ${IN_FLIGHT} in flight`, unit: 'msg/s', value: best(rates.wss), baseline: 'the same over TCP', baselineValue: best(rates.tcp), better: 'higher', n: messages })
    ],
    details: { tcpMs: s.tcp, wssMs: s.wss, throughput: rates, messageBytes: 1024 },
    notes: ['best of two alternating throughput runs each; RTT interleaved round by round']
  }
}

export const bench: Bench = {
  name: 'dm-wss',
  description: 'DM round trip and throughput over the website transport (TLS + WebSocket) vs plain TCP',
  tags: ['dm', 'censorship'],
  run
}
