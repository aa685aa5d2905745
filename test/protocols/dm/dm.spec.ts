import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { AckStatus, decodeFrame, encodeFrame, MAX_FRAME_BYTES, MAX_RECEIPT_IDS, newMessageId, PROTOCOL, type Ack, type OpenedEnvelope } from '../../../protocols/dm/index.ts'
import { connect, createDmNode, dmStreams, open, opening, seal, stopAll, until, type DmNode } from './helpers.ts'
import type { PeerId } from '@libp2p/interface'

interface Received { from: PeerId, message: OpenedEnvelope }

function collect (node: DmNode, status = AckStatus.STORED): Received[] {
  const received: Received[] = []
  node.dm.onMessage = opening(node, (from, message) => {
    received.push({ from, message })
    return status
  })
  return received
}

describe('dm protocol between two nodes', () => {
  it('exchanges messages both ways and acks only after onMessage has resolved', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      const atA = collect(a)
      const atB: Received[] = []
      let store = (): void => {}
      const stored = new Promise<void>(resolve => { store = resolve })
      b.dm.onMessage = opening(b, async (from, message) => {
        atB.push({ from, message })
        await stored
        return AckStatus.STORED
      })
      await connect(a, b)

      let settled = false
      const sending = a.dm.send(b.libp2p.peerId, await seal(a, b, 'hi bob')).finally(() => { settled = true })
      await until(() => atB.length === 1, 'bob to get the message')
      // a full round trip B -> A -> B on the same connection: an early ack would have reached A by now
      assert.equal(await b.dm.send(a.libp2p.peerId, await seal(b, a, 'hi alice')), AckStatus.STORED)
      assert.equal(settled, false, 'send resolved before onMessage did')

      store()
      assert.equal(await sending, AckStatus.STORED)
      assert.equal(atB[0].message.body, 'hi bob')
      assert.ok(atB[0].from.equals(a.libp2p.peerId))
      assert.equal(atA[0].message.body, 'hi alice')
      assert.ok(atA[0].message.from.equals(b.libp2p.peerId))
    } finally {
      await stopAll(a, b)
    }
  })

  it('pipelines 1,000 messages on one stream: each arrives once, in order, and is acked', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      const count = 1000
      const envelopes = await Promise.all(Array.from({ length: count }, async (_, i) => seal(a!, b!, `message ${i}`, BigInt(i))))
      const received = collect(b)
      const connection = await connect(a, b)

      assert.equal(await a.dm.send(b.libp2p.peerId, envelopes[0]), AckStatus.STORED)
      const [stream] = dmStreams(connection)
      // how far bob's deliveries ran ahead of alice's acks: 1 at most if each send waited for its ack
      let acked = 1
      let ahead = 0
      const onMessage = b.dm.onMessage!
      b.dm.onMessage = (from, envelope) => {
        ahead = Math.max(ahead, received.length + 1 - acked)
        return onMessage(from, envelope)
      }
      const statuses = await Promise.all(envelopes.slice(1).map(async e => {
        const status = await a!.dm.send(b!.libp2p.peerId, e)
        acked++
        return status
      }))

      assert.ok(statuses.every(s => s === AckStatus.STORED))
      assert.ok(ahead > 1, `sends were not pipelined (at most ${ahead} ahead)`)
      assert.deepEqual(received.map(r => r.message.lamport), envelopes.map((_, i) => BigInt(i)))
      assert.deepEqual(received.map(r => r.message.body), envelopes.map((_, i) => `message ${i}`))
      assert.deepEqual(dmStreams(connection).map(s => s.id), [stream.id], 'one outbound stream, never replaced')
      const atB = b.libp2p.getConnections(a.libp2p.peerId).flatMap(dmStreams)
      assert.equal(atB.length, 1)
      assert.equal(atB[0].direction, 'inbound')
    } finally {
      await stopAll(a, b)
    }
  })

  it('hands onMessages the envelopes read while a batch was being stored, in order, and acks each only after its batch', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      const calls: string[][] = []
      let release = (): void => {}
      const held = new Promise<void>(resolve => { release = resolve })
      b.dm.onMessages = async (_from, messages) => {
        calls.push((await Promise.all(messages.map(async m => open(b!, m)))).map(m => m.body))
        if (calls.length === 1) await held
        return messages.map(() => AckStatus.STORED)
      }
      await connect(a, b)
      const count = 10
      const envelopes = await Promise.all(Array.from({ length: count }, async (_, i) => seal(a!, b!, `m${i}`, BigInt(i + 1))))
      const raw = await a.libp2p.dialProtocol(b.libp2p.peerId, PROTOCOL)
      const lp = lpStream(raw)
      // all of them in one write: they reach bob together, behind a first batch he is still storing
      await lp.writeV(envelopes.map(envelope => encodeFrame({ envelope })))
      const acks: Ack[] = []
      const reading = (async () => {
        for (let i = 0; i < count; i++) acks.push(decodeFrame(await lp.read()).ack!)
      })()
      await until(() => calls.length === 1, 'the first batch')
      assert.equal(acks.length, 0, 'nothing acked while the first batch is not stored')
      release()
      await reading

      assert.deepEqual(calls.flat(), envelopes.map((_, i) => `m${i}`), 'each once, in order')
      assert.ok(calls.length <= 2 && calls.some(c => c.length > 1), `batched: ${JSON.stringify(calls.map(c => c.length))}`)
      assert.deepEqual(acks.map(ack => Uint8Array.from(ack.id)), envelopes.map(e => e.id))
      assert.ok(acks.every(ack => ack.status === AckStatus.STORED))
      await raw.close()
    } finally {
      await stopAll(a, b)
    }
  })

  it('keeps at most maxInFlight envelopes unacked, in order, and never writes a send aborted while it waits its turn', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode({ maxInFlight: 2 }), createDmNode()])
      const calls: string[][] = []
      let release = (): void => {}
      const held = new Promise<void>(resolve => { release = resolve })
      b.dm.onMessages = async (_from, messages) => {
        calls.push((await Promise.all(messages.map(async m => open(b!, m)))).map(m => m.body))
        await held
        return messages.map(() => AckStatus.STORED)
      }
      await connect(a, b)
      const envelopes = await Promise.all(Array.from({ length: 10 }, async (_, i) => seal(a!, b!, `m${i}`, BigInt(i + 1))))
      const controller = new AbortController()
      const sends = envelopes.map(async (e, i) => a!.dm.send(b!.libp2p.peerId, e, i === 5 ? { signal: controller.signal } : {}))
      await until(() => calls.length === 1, 'the first batch')
      controller.abort()
      await assert.rejects(sends[5], { name: 'AbortError' })
      release()
      const statuses = await Promise.allSettled(sends)
      assert.deepEqual(statuses.map(s => s.status === 'fulfilled' ? s.value : 'rejected'), envelopes.map((_, i) => i === 5 ? 'rejected' : AckStatus.STORED))
      assert.deepEqual(calls.flat(), envelopes.map((_, i) => `m${i}`).filter(body => body !== 'm5'), 'in order, and the aborted one never written')
      assert.ok(calls.every(c => c.length <= 2), `never more than 2 unacked: ${JSON.stringify(calls.map(c => c.length))}`)
    } finally {
      await stopAll(a, b)
    }
  })

  it('delivers read receipts, split into frames of at most MAX_RECEIPT_IDS', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      const batches: Uint8Array[][] = []
      a.dm.onReceipt = (from, ids) => {
        assert.ok(from.equals(b!.libp2p.peerId))
        batches.push(ids)
      }
      await connect(a, b)
      const ids = Array.from({ length: MAX_RECEIPT_IDS + 44 }, () => newMessageId())
      await b.dm.sendReceipt(a.libp2p.peerId, ids)
      await until(() => batches.flat().length === ids.length, 'all receipts')
      assert.deepEqual(batches.map(batch => batch.length), [MAX_RECEIPT_IDS, 44])
      assert.deepEqual(batches.flat(), ids)
    } finally {
      await stopAll(a, b)
    }
  })

  it('rejects with PeerRefusedError when the peer refuses, has no handler, or is not the addressee', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    let c: DmNode | undefined
    try {
      [a, b, c] = await Promise.all([createDmNode(), createDmNode(), createDmNode()])
      await connect(a, b)
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(a, b, 'no handler yet')), { name: 'PeerRefusedError', status: AckStatus.UNAVAILABLE })

      const received = collect(b, AckStatus.REFUSED_BLOCKED)
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(a, b, 'blocked')), { name: 'PeerRefusedError', status: AckStatus.REFUSED_BLOCKED })
      assert.equal(received.length, 1)

      // written by carol but sent to bob by alice: refused before any handler sees it
      // (sealed for carol: only the handler's ratchet can tell, and it does not open)
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(a, c, 'for carol')), { name: 'PeerRefusedError', status: AckStatus.MALFORMED })
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(c, b, 'carol wrote this')), { name: 'PeerRefusedError', status: AckStatus.WRONG_PEER })
      assert.equal(received.length, 1)

      b.dm.onMessage = () => { throw new Error('disk full') }
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(a, b, 'boom')), { name: 'PeerRefusedError', status: AckStatus.UNAVAILABLE })
    } finally {
      await stopAll(a, b, c)
    }
  })

  it('refuses an oversized or unsealed envelope before anything goes on the wire', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      const connection = await connect(a, b)
      const envelope = await seal(a, b, 'x')
      await assert.rejects(a.dm.send(b.libp2p.peerId, { ...envelope, ciphertext: new Uint8Array(MAX_FRAME_BYTES) }), { name: 'MessageTooLargeError' })
      await assert.rejects(a.dm.send(b.libp2p.peerId, { ...envelope, ciphertext: new Uint8Array(0) }), { name: 'MalformedEnvelopeError' })
      await assert.rejects(a.dm.send(b.libp2p.peerId, { ...envelope, id: new Uint8Array(4) }), { name: 'MalformedEnvelopeError' })
      assert.equal(dmStreams(connection).length, 0, 'no stream was opened')
    } finally {
      await stopAll(a, b)
    }
  })

  it('times out or aborts a send without breaking the stream for the next one', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      let release = (): void => {}
      const held = new Promise<void>(resolve => { release = resolve })
      const received: string[] = []
      b.dm.onMessage = opening(b, async (_from, message) => {
        received.push(message.body)
        if (message.body === 'slow') await held
        return AckStatus.STORED
      })
      const connection = await connect(a, b)
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(a, b, 'slow'), { signal: AbortSignal.timeout(200) }), { name: 'AckTimeoutError' })
      const controller = new AbortController()
      const aborted = a.dm.send(b.libp2p.peerId, await seal(a, b, 'aborted'), { signal: controller.signal })
      controller.abort()
      await assert.rejects(aborted, { name: 'AbortError' })

      const [stream] = dmStreams(connection)
      release()
      assert.equal(await a.dm.send(b.libp2p.peerId, await seal(a, b, 'after')), AckStatus.STORED)
      assert.deepEqual(dmStreams(connection).map(s => s.id), [stream.id])
      assert.equal(received.at(-1), 'after')
    } finally {
      await stopAll(a, b)
    }
  })

  it('rejects in-flight sends with ChannelClosedError when the connection drops, then reopens', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      const received: string[] = []
      b.dm.onMessage = opening(b, async (_from, message) => {
        received.push(message.body)
        if (message.body === 'never acked') await new Promise(() => {})
        return AckStatus.STORED
      })
      const connection = await connect(a, b)
      const sending = a.dm.send(b.libp2p.peerId, await seal(a, b, 'never acked'))
      await until(() => received.length === 1, 'bob to get it')
      await connection.close()
      await assert.rejects(sending, { name: 'ChannelClosedError' })

      await connect(a, b)
      assert.equal(await a.dm.send(b.libp2p.peerId, await seal(a, b, 'again')), AckStatus.STORED)
    } finally {
      await stopAll(a, b)
    }
  })

  it('stop() rejects pending sends and refuses new ones', async () => {
    let a: DmNode | undefined
    let b: DmNode | undefined
    try {
      [a, b] = await Promise.all([createDmNode(), createDmNode()])
      let arrived = false
      b.dm.onMessage = async () => {
        arrived = true
        return new Promise<AckStatus>(() => {})
      }
      await connect(a, b)
      const sending = a.dm.send(b.libp2p.peerId, await seal(a, b, 'pending'))
      await until(() => arrived, 'bob to get it')
      const rejected = assert.rejects(sending, { name: 'ServiceStoppedError' })
      await a.libp2p.stop()
      await rejected
      await assert.rejects(a.dm.send(b.libp2p.peerId, await seal(a, b, 'late')), { name: 'ServiceStoppedError' })
    } finally {
      await stopAll(a, b)
    }
  })
})
