import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { InvalidTimerError, MIN_TIMER_S } from '../../node/direct/disappearing.ts'
import { addEachOther, EventLog } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

async function ids (node: HyphaeMessenger, ref: string): Promise<string[]> {
  return (await node.listMessages(ref, { limit: 1000 })).map(m => m.id)
}

async function timerOf (node: HyphaeMessenger, peerId: string): Promise<number | undefined> {
  return (await node.listContacts()).find(c => c.peerId === peerId)?.timer
}

describe('disappearing messages', { timeout: 120_000 }, () => {
  let network: Network
  let a: HyphaeMessenger
  let b: HyphaeMessenger
  let logA: EventLog
  let logB: EventLog

  before(async () => {
    network = await createNetwork(2)
    ;[a, b] = network.nodes
    logA = new EventLog(a)
    logB = new EventLog(b)
    await addEachOther([a, b])
  })

  after(async () => {
    logA?.detach()
    logB?.detach()
    await network?.stop()
  })

  it('a timer set by one side is followed by the other, and expired messages leave both stores', async () => {
    const kept = await a.sendMessage(b.peerId, 'said before the timer: kept')
    await waitFor(() => logB.messages.some(m => m.id === kept.id), { timeout: 30_000, message: 'the first message to arrive' })

    assert.deepEqual(await a.setTimer(b.peerId, MIN_TIMER_S), { peerId: b.peerId, timer: MIN_TIMER_S })
    assert.equal(await timerOf(a, b.peerId), MIN_TIMER_S)
    await waitFor(async () => (await timerOf(b, a.peerId)) === MIN_TIMER_S, { timeout: 30_000, message: 'B to follow A\'s timer' })

    const gone = await b.sendMessage(a.peerId, 'this one disappears')
    await waitFor(() => logA.messages.some(m => m.id === gone.id), { timeout: 30_000, message: 'the timed message to arrive' })
    await waitFor(async () => !(await ids(a, b.peerId)).includes(gone.id) && !(await ids(b, a.peerId)).includes(gone.id), {
      timeout: 60_000, message: 'the timed message to be deleted on both sides'
    })
    assert.ok((await ids(a, b.peerId)).includes(kept.id), 'a message from before the timer stays on A')
    assert.ok((await ids(b, a.peerId)).includes(kept.id), 'and on B')
    assert.equal(await (a as any).direct.messages.has(gone.id), false, 'its id index entry went with it')
    assert.equal(await (b as any).direct.messages.has(gone.id), false)

    // off again, from the other side
    await b.setTimer(a.peerId, 0)
    await waitFor(async () => (await timerOf(a, b.peerId)) === 0, { timeout: 30_000, message: 'A to follow B turning it off' })
  })

  it('refuses a timer out of bounds, and a peer\'s unreadable or far-future setting', async () => {
    await assert.rejects(a.setTimer(b.peerId, 1), InvalidTimerError)
    await assert.rejects(a.setTimer(b.peerId, 10 ** 9), InvalidTimerError)
    await assert.rejects(a.setTimer(b.peerId, 2.5), InvalidTimerError)
    const disappearing = (a as any).direct.disappearing
    const from = peerIdFromString(b.peerId)
    const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
    await assert.rejects(disappearing.onControl(from, new TextEncoder().encode('{not json')), InvalidTimerError)
    await assert.rejects(disappearing.onControl(from, bytes({ seconds: -5, setAt: Date.now() })), InvalidTimerError)
    await assert.rejects(disappearing.onControl(from, bytes({ seconds: 60, setAt: Date.now() + 24 * 3600_000 })), InvalidTimerError)
    assert.equal(await timerOf(a, b.peerId), 0, 'nothing was stored')
  })
})
