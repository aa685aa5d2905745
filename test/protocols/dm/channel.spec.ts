import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lpStream, streamPair } from '@libp2p/utils'
import { OutboundChannel } from '../../../protocols/dm/channel.ts'
import { encodeFrame } from '../../../protocols/dm/frame.ts'
import { AckStatus } from '../../../protocols/dm/index.ts'
import { waitFor } from '../../fixtures/index.ts'

const silent = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any

/** Long enough for anything written to cross the mock stream pair (1 ms delay) many times over. */
const SETTLE_MS = 100

async function setup (maxInFlight: number, maxInFlightBytes: number) {
  const [outbound, inbound] = await streamPair()
  const channel = new OutboundChannel(outbound, { maxInFlight, maxInFlightBytes, log: silent, onStrike: () => {}, onClose: () => {} })
  const lp = lpStream(inbound, { maxDataLength: 1024 * 1024 })
  const received: Uint8Array[] = []
  // the peer: reads every frame as it comes, acks only when told
  void (async () => {
    try {
      while (true) received.push((await lp.read()).subarray())
    } catch {}
  })()
  const ack = async (i: number): Promise<void> => { await lp.write(encodeFrame({ ack: { id: id(i), status: AckStatus.STORED } })) }
  return { channel, received, ack, stop: () => { channel.close(new Error('done')) } }
}

const id = (i: number): Uint8Array<ArrayBuffer> => { const b = new Uint8Array(16); b[0] = i; return b }
const frame = (i: number, bytes: number): Uint8Array => { const f = new Uint8Array(bytes); f.set(id(i)); return f }

describe('the DM channel\'s in-flight limits', () => {
  it('lets no more unacked bytes out than its byte limit, then one more per ack', async () => {
    const { channel, received, ack, stop } = await setup(128, 4 * 64 * 1024)
    const signal = AbortSignal.timeout(30_000)
    const sends = Array.from({ length: 10 }, async (_, i) => channel.send(id(i), frame(i, 64 * 1024), signal))
    await waitFor(() => received.length >= 4, { timeout: 10_000, message: 'the first 4 frames arrive' })
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
    assert.equal(received.length, 4, '4 x 64 KiB fill the 256 KiB allowed in flight')
    await ack(0)
    await waitFor(() => received.length >= 5, { timeout: 10_000, message: 'an ack lets the fifth out' })
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
    assert.equal(received.length, 5)
    for (let i = 1; i < 10; i++) await ack(i)
    assert.deepEqual(await Promise.all(sends), Array(10).fill(AckStatus.STORED))
    assert.equal(received.length, 10)
    stop()
  })

  it('a frame larger than the byte limit still goes when nothing else is in flight', async () => {
    const { channel, received, ack, stop } = await setup(128, 1024)
    const signal = AbortSignal.timeout(30_000)
    const sends = [channel.send(id(1), frame(1, 4096), signal), channel.send(id(2), frame(2, 4096), signal)]
    await waitFor(() => received.length >= 1, { timeout: 10_000, message: 'the first frame arrives' })
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
    assert.equal(received.length, 1, 'the second waits for the first ack')
    await ack(1)
    await waitFor(() => received.length >= 2, { timeout: 10_000, message: 'then the second' })
    await ack(2)
    assert.deepEqual(await Promise.all(sends), [AckStatus.STORED, AckStatus.STORED])
    stop()
  })

  it('short messages are held by the count limit', async () => {
    const { channel, received, ack, stop } = await setup(3, 1024 * 1024)
    const signal = AbortSignal.timeout(30_000)
    const sends = Array.from({ length: 6 }, async (_, i) => channel.send(id(i), frame(i, 100), signal))
    await waitFor(() => received.length >= 3, { timeout: 10_000, message: '3 frames arrive' })
    await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
    assert.equal(received.length, 3)
    for (let i = 0; i < 6; i++) await ack(i)
    assert.deepEqual(await Promise.all(sends), Array(6).fill(AckStatus.STORED))
    stop()
  })
})
