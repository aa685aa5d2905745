/**
 * What surviving a 16 KB freeze costs: bulk throughput both ways and bytes on the wire of a
 * libp2p connection carried in a session of short flows (each a fresh TCP + TLS flow under
 * 12 KB), next to the same connection on one plain website flow, in the same process and
 * interleaved. Both go through a TCP hop that counts every byte and every flow.
 */
import net from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { byteStream } from '@libp2p/utils'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { selfSignedCertificate } from '../node/net/website/certificate.ts'
import { parseWebsiteAddress } from '../node/net/website/address.ts'
import { websiteTransport, type WebsiteTransportInit } from '../node/net/website/transport.ts'
import { removeDir, tempDir } from '../test/fixtures/index.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now } from './stats.ts'

type Mode = 'plain' | 'short'
const SECRET = 'benchpath'

/** A TCP hop that counts TCP payload bytes (both ways) and connections. */
async function countingHop (target: number): Promise<{ port: number, counts: { bytes: number, flows: number }, close: () => Promise<void> }> {
  const counts = { bytes: 0, flows: 0 }
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    counts.flows++
    const upstream = net.connect(target, '127.0.0.1')
    sockets.add(client); sockets.add(upstream)
    client.on('data', d => { counts.bytes += d.length; upstream.write(d) })
    upstream.on('data', d => { counts.bytes += d.length; client.write(d) })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => {}); upstream.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

async function node (init: WebsiteTransportInit, listen: string[] = []): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen },
    transports: [websiteTransport(init)],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
}

/** Moves `size` bytes on a fresh connection ('up': client to server); returns seconds and wire bytes. */
async function transfer (client: Libp2p, server: Libp2p, ma: Multiaddr, hop: { counts: { bytes: number, flows: number } }, size: number, direction: 'up' | 'down'): Promise<{ seconds: number, bytes: number, flows: number }> {
  const protocol = '/bench/sink/1.0.0'
  const data = new Uint8Array(size).fill(7)
  const done = new Promise<void>((resolve, reject) => {
    void server.handle(protocol, async (stream: any) => {
      try {
        const bytes = byteStream(stream)
        if (direction === 'up') { await bytes.read({ bytes: size, signal: AbortSignal.timeout(600_000) }); await bytes.write(Uint8Array.of(1)) } else { await bytes.read({ bytes: 1 }); await bytes.write(data) }
        resolve()
      } catch (err) { reject(err) }
    }, { force: true })
  })
  await client.dial(ma)
  const before = { ...hop.counts }
  const t0 = now()
  const stream = await client.dialProtocol(ma, protocol)
  const bytes = byteStream(stream)
  if (direction === 'up') { await bytes.write(data); await bytes.read({ bytes: 1, signal: AbortSignal.timeout(600_000) }) } else {
    // the first write sends the protocol negotiation: the server learns of the stream only then
    await bytes.write(Uint8Array.of(1))
    await bytes.read({ bytes: size, signal: AbortSignal.timeout(600_000) })
  }
  await done
  const seconds = (now() - t0) / 1000
  const result = { seconds, bytes: hop.counts.bytes - before.bytes, flows: hop.counts.flows - before.flows }
  await stream.close().catch(() => {})
  await server.unhandle(protocol)
  await client.hangUp(server.peerId)
  return result
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const size = ctx.quick ? 256 * 1024 : 2 * 1024 * 1024
  const dir = await tempDir('hyphae-bench-short-')
  const cert = await selfSignedCertificate(dir, 'bench.example')
  const server = await node({ certificate: cert }, [`/ip4/127.0.0.1/tcp/0/tls/ws/http-path/${SECRET}`])
  const clients: Record<Mode, Libp2p> = { plain: await node({ shortFlows: 'never' }), short: await node({ shortFlows: 'always' }) }
  const port = parseWebsiteAddress(server.getMultiaddrs()[0])!.port
  const hop = await countingHop(port)
  const ma = multiaddr(`/ip4/127.0.0.1/tcp/${hop.port}/tls/sni/bench.example/certhash/${cert.certhash}/ws/http-path/${SECRET}/p2p/${server.peerId.toString()}`)
  const results: Record<Mode, Record<'up' | 'down', Array<{ seconds: number, bytes: number, flows: number }>>> = { plain: { up: [], down: [] }, short: { up: [], down: [] } }
  let setup: Record<Mode, { bytes: number, flows: number }> | undefined
  try {
    // what holding a connection costs before any data: dial, Noise, yamux, identify, one ping
    const cost = async (mode: Mode): Promise<{ bytes: number, flows: number }> => {
      const before = { ...hop.counts }
      await clients[mode].dial(ma)
      await (clients[mode].services as any).ping.ping(ma)
      const after = { ...hop.counts }
      await clients[mode].hangUp(server.peerId)
      return { bytes: after.bytes - before.bytes, flows: after.flows - before.flows }
    }
    setup = { plain: await cost('plain'), short: await cost('short') }
    for (let r = 0; r < 2; r++) {
      for (const direction of ['up', 'down'] as const) {
        for (const mode of ['plain', 'short'] as const) {
          results[mode][direction].push(await transfer(clients[mode], server, ma, hop, size, direction))
        }
      }
      ctx.log(`round ${r + 1}/2: ${size} B up plain ${results.plain.up.at(-1)?.seconds.toFixed(2)} s, short ${results.short.up.at(-1)?.seconds.toFixed(2)} s`)
    }
  } finally {
    await clients.plain.stop()
    await clients.short.stop()
    await server.stop()
    await hop.close()
    await removeDir(dir)
  }
  const best = (mode: Mode, direction: 'up' | 'down'): { seconds: number, bytes: number, flows: number } =>
    results[mode][direction].reduce((a, b) => a.seconds <= b.seconds ? a : b)
  const rate = (r: { seconds: number }): number => size / 1024 / r.seconds
  const overhead = (r: { bytes: number }): number => r.bytes / size
  const figures = []
  for (const direction of ['up', 'down'] as const) {
    const [p, s] = [best('plain', direction), best('short', direction)]
    figures.push(figure({ name: `short flows: KiB/s ${direction}`, unit: 'KiB/s', value: rate(s), baseline: `one plain website flow, ${direction}`, baselineValue: rate(p), better: 'higher', n: size }))
    figures.push(figure({ name: `short flows: wire bytes per payload byte, ${direction} (${s.flows} flows)`, unit: 'B/B', value: overhead(s), baseline: 'one plain website flow', baselineValue: overhead(p), better: 'lower', n: size }))
  }
  figures.push(figure({ name: `short flows: bytes to connect and ping (${setup?.short.flows} flows)`, unit: 'B', value: setup?.short.bytes, baseline: 'one plain website flow', baselineValue: setup?.plain.bytes, better: 'lower' }))
  return {
    figures,
    details: { size, results, setup },
    notes: ['best of two interleaved runs each way; bytes are TCP payload counted by a hop (the censor also counts ~52 B of IP/TCP headers per packet)']
  }
}

export const bench: Bench = {
  name: 'short-flows',
  description: 'a libp2p connection on a session of short flows (under a 16 KB freeze) vs one plain website flow: throughput and wire bytes',
  tags: ['censorship'],
  run
}
