import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { byteStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { WebSocket } from 'ws'
import { selfSignedCertificate, type TlsCertificate } from '../../node/net/website/certificate.ts'
import { websiteTransport } from '../../node/net/website/transport.ts'
import { parseWebsiteAddress } from '../../node/net/website/address.ts'
import { shortFlowStats } from '../../node/net/website/session-client.ts'
import { decodeFrame, encodeFrame, FrameType, SESSION_ID_LENGTH } from '../../node/net/website/session-frames.ts'
import { CLOSE_BUSY, CLOSE_MALFORMED, CLOSE_UNKNOWN_SESSION } from '../../node/net/website/session-server.ts'
import { removeDir, tempDir, waitFor } from '../fixtures/index.ts'

/**
 * A TCP hop that freezes each connection, as TSPU does, once it has carried `freezeAt(n)` bytes
 * (payload both ways plus 52 B of headers per chunk): nothing more passes, nothing is closed.
 */
async function freezer (target: number, freezeAt: (n: number) => number): Promise<{ port: number, flows: number[], frozen: () => number, close: () => Promise<void> }> {
  const flows: number[] = []
  const sockets = new Set<net.Socket>()
  let frozen = 0
  const server = net.createServer(client => {
    const n = flows.push(0) - 1
    const limit = freezeAt(n)
    let isFrozen = false
    const upstream = net.connect(target, '127.0.0.1')
    sockets.add(client); sockets.add(upstream)
    const pass = (to: net.Socket) => (d: Buffer) => {
      if (isFrozen) return
      flows[n] += d.length + 52
      if (flows[n] > limit) { isFrozen = true; frozen++; return }
      to.write(d)
    }
    client.on('data', pass(upstream))
    upstream.on('data', pass(client))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => {}); upstream.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    flows,
    frozen: () => frozen,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

const FAST = { stallMs: 1_500, pollMs: 1_000 }

async function node (init: Parameters<typeof websiteTransport>[0], listen: string[] = []): Promise<Libp2p<{ ping: any }>> {
  return createLibp2p({
    addresses: { listen },
    transports: [websiteTransport(init)],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { enabled: false },
    services: { identify: identify(), ping: ping() }
  })
}

describe('short-flow sessions', () => {
  let dir: string
  let cert: TlsCertificate
  let server: Libp2p<{ ping: any }>
  let client: Libp2p<{ ping: any }>
  let port: number
  const secret = 'kY3v9xQ2'

  before(async () => {
    dir = await tempDir()
    cert = await selfSignedCertificate(dir, 'www.example.org')
    server = await node({ certificate: cert, sessionLimits: { maxSessions: 3, idleMs: 1_000, helloMs: 1_000 } }, [`/ip4/127.0.0.1/tcp/0/tls/ws/http-path/${secret}`])
    client = await node({ shortFlows: 'always', shortFlowSettings: FAST })
    port = parseWebsiteAddress(server.getMultiaddrs()[0])!.port
  })

  after(async () => {
    await client?.stop()
    await server?.stop()
    await removeDir(dir)
  })

  const address = (p: number): ReturnType<typeof multiaddr> =>
    multiaddr(`/ip4/127.0.0.1/tcp/${p}/tls/sni/www.example.org/certhash/${cert.certhash}/ws/http-path/${secret}/p2p/${server.peerId.toString()}`)

  /** Sends `size` bytes on a fresh stream, client -> server ('up') or back ('down'); returns what arrived. */
  async function carry (ma: ReturnType<typeof multiaddr>, size: number, direction: 'up' | 'down' = 'up'): Promise<{ sent: Uint8Array, got: Uint8Array }> {
    const protocol = `/test/sink/${Math.random().toString(36).slice(2)}`
    const sent = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 8)) % 251)
    const got = new Promise<Uint8Array>((resolve, reject) => {
      void server.handle(protocol, async (stream: any) => {
        try {
          if (direction === 'up') resolve((await byteStream(stream).read({ bytes: size, signal: AbortSignal.timeout(90_000) })).subarray())
          else await byteStream(stream).write(sent)
        } catch (err) { reject(err) }
      })
    })
    const stream = await client.dialProtocol(ma, protocol)
    if (direction === 'up') await byteStream(stream).write(sent)
    else await byteStream(stream).write(Uint8Array.of(1))
    const result = { sent, got: direction === 'up' ? await got : (await byteStream(stream).read({ bytes: size, signal: AbortSignal.timeout(90_000) })).subarray() }
    await stream.close()
    await server.unhandle(protocol)
    return result
  }

  it('carries a libp2p connection on many flows, none past its budget, every byte once and in order', async () => {
    const hop = await freezer(port, () => Infinity)
    try {
      const { sent, got } = await carry(address(hop.port), 200_000)
      assert.ok(Buffer.from(got).equals(Buffer.from(sent)), 'the same bytes in the same order')
      assert.ok(hop.flows.length >= 15, `200 KB took ${hop.flows.length} flows`)
      // by the censor's count (headers included), every flow stayed under 16 KB
      assert.ok(hop.flows.every(b => b < 16_384), `bytes per flow: ${hop.flows.join(' ')}`)
      console.log(`# 200 KB on ${hop.flows.length} flows, ${Math.round(hop.flows.reduce((a, b) => a + b, 0) / hop.flows.length)} B each on average (max ${Math.max(...hop.flows)})`)
    } finally {
      await client.hangUp(server.peerId)
      await hop.close()
    }
  })

  for (const direction of ['up', 'down'] as const) {
    it(`resends what a frozen flow swallowed on the next flow (${direction}): nothing lost, duplicated or reordered`, async () => {
      const stallsBefore = shortFlowStats.stalls
      // every third flow freezes early, midway through its data, with no reset
      const hop = await freezer(port, n => n % 3 === 2 ? 6_000 : Infinity)
      try {
        const { sent, got } = await carry(address(hop.port), 120_000, direction)
        assert.equal(got.byteLength, sent.byteLength)
        assert.ok(Buffer.from(got).equals(Buffer.from(sent)), 'the same bytes in the same order')
        assert.ok(hop.frozen() >= 2, `flows frozen: ${hop.frozen()}`)
        const stalls = shortFlowStats.stalls - stallsBefore
        // uploading, a flow is spent and left before its acks are due: the next one resends without a stall
        if (direction === 'down') assert.ok(stalls >= 2, `the client noticed the frozen flows (${stalls} stalls)`)
        console.log(`# ${direction}: ${hop.frozen()} of ${hop.flows.length} flows froze; ${stalls} stalls${stalls > 0 ? `, noticed after ${shortFlowStats.stallDetectionsMs.slice(-stalls).join(', ')} ms` : ''}`)
      } finally {
        await client.hangUp(server.peerId)
        await hop.close()
      }
    })
  }

  it('polls an idle session: it stays up across flows and still answers', async () => {
    const ma = address(port)
    assert.ok(await client.services.ping.ping(ma) >= 0)
    const flows = shortFlowStats.flows
    await new Promise(resolve => setTimeout(resolve, 3_000))
    assert.ok(await client.services.ping.ping(ma) >= 0)
    assert.equal(client.getConnections(server.peerId).length, 1, 'the same connection')
    assert.ok(shortFlowStats.flows >= flows, 'flows counted')
    await client.hangUp(server.peerId)
  })
})

describe('short-flow sessions, a hostile client', () => {
  let dir: string
  let cert: TlsCertificate
  let server: Libp2p<{ ping: any }>
  let port: number
  const secret = 'kY3v9xQ2'
  const open: WebSocket[] = []

  before(async () => {
    dir = await tempDir()
    cert = await selfSignedCertificate(dir, 'www.example.org')
    server = await node({ certificate: cert, sessionLimits: { maxSessions: 3, idleMs: 500, helloMs: 500 } }, [`/ip4/127.0.0.1/tcp/0/tls/ws/http-path/${secret}`])
    port = parseWebsiteAddress(server.getMultiaddrs()[0])!.port
  })

  after(async () => {
    for (const ws of open) ws.terminate()
    await server?.stop()
    await removeDir(dir)
  })

  /** A raw session flow; resolves with the first frame's type, or the close code if the relay closed first. */
  async function flow (first?: Uint8Array | string): Promise<{ ws: WebSocket, answer: Promise<{ frame?: number, code?: number }> }> {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/${secret}?s`, { rejectUnauthorized: false, servername: 'www.example.org' } as any)
    open.push(ws)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const answer = new Promise<{ frame?: number, code?: number }>(resolve => {
      ws.once('message', (data: Buffer) => { resolve({ frame: decodeFrame(data).type }) })
      ws.once('close', (code: number) => { resolve({ code }) })
    })
    if (first != null) ws.send(first)
    return { ws, answer }
  }

  const hello = (id: Uint8Array, fresh: boolean): Uint8Array => encodeFrame({ type: FrameType.Hello, id, fresh, ack: 0, allowance: 8_000 })
  const newId = (): Uint8Array => crypto.getRandomValues(new Uint8Array(SESSION_ID_LENGTH))

  it('refuses garbage, a text frame, and a flow that never says hello, each with a clean close', async () => {
    assert.deepEqual(await (await flow(Uint8Array.of(1, 2, 3))).answer, { code: CLOSE_MALFORMED })
    assert.deepEqual(await (await flow(Uint8Array.of(99, 0, 0, 0, 0, 0, 0))).answer, { code: CLOSE_MALFORMED })
    assert.deepEqual(await (await flow('hello')).answer, { code: CLOSE_MALFORMED })
    const silent = await (await flow()).answer
    assert.equal(silent.frame, undefined, 'a silent flow is closed, not answered')
  })

  it('refuses to resume a session it does not know, and a fresh session whose id is taken', async () => {
    assert.deepEqual(await (await flow(hello(newId(), false))).answer, { code: CLOSE_UNKNOWN_SESSION })
    const id = newId()
    assert.deepEqual(await (await flow(hello(id, true))).answer, { frame: FrameType.Welcome })
    assert.deepEqual(await (await flow(hello(id, true))).answer, { code: CLOSE_MALFORMED })
  })

  it('holds no more sessions than its limit, and forgets idle ones', async () => {
    const held: WebSocket[] = []
    for (let i = 0; i < 5; i++) {
      const { ws, answer } = await flow(hello(newId(), true))
      const a = await answer
      if (a.frame === FrameType.Welcome) held.push(ws)
      else assert.equal(a.code, CLOSE_BUSY)
    }
    assert.ok(held.length <= 3, `${held.length} sessions held with a limit of 3`)
    for (const ws of open) ws.close()
    // with their flows gone, idle sessions expire and new ones are welcome again
    await waitFor(async () => (await (await flow(hello(newId(), true))).answer).frame === FrameType.Welcome, { timeout: 10_000, interval: 300, message: 'sessions expired' })
  })

  it('closes a session flow that acks bytes it was never sent', async () => {
    const { ws, answer } = await flow(hello(newId(), true))
    assert.deepEqual(await answer, { frame: FrameType.Welcome })
    const closed = new Promise<number>(resolve => ws.once('close', resolve))
    ws.send(encodeFrame({ type: FrameType.Ack, ack: 1_000_000 }))
    assert.equal(await closed, CLOSE_MALFORMED)
  })
})
