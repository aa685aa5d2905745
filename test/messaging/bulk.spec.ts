import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther, body, EventLog, wholeConversation } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const COUNT = 10_000

describe(`${COUNT} messages from one contact to another`, () => {
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

  it('arrive once each, in order, and the outbox empties', { timeout: 600_000 }, async () => {
    const started = Date.now()
    const ids: string[] = []
    for (let i = 0; i < COUNT; i++) {
      const sent = await a.sendMessage(b.peerId, body('bulk', i))
      ids.push(sent.id)
    }
    const queuedIn = Date.now() - started

    const delivered = new Set<string>()
    let seen = 0
    await waitFor(() => {
      for (; seen < logA.receipts.length; seen++) {
        if (logA.receipts[seen].status === 'delivered') delivered.add(logA.receipts[seen].id)
      }
      return delivered.size === COUNT
    }, {
      timeout: 540_000,
      interval: 250,
      message: () => `all ${COUNT} delivered (${delivered.size} so far, ${logB.messages.length} stored at B)`
    })
    const elapsed = Date.now() - started
    console.log(`${COUNT} messages: queued in ${(queuedIn / 1000).toFixed(1)} s, all delivered after ${(elapsed / 1000).toFixed(1)} s, ${Math.round(COUNT / (elapsed / 1000))} msgs/s`)

    // what B's user sees, scrolling up through the conversation a page at a time
    const received = await wholeConversation(b, a.peerId)
    assert.equal(received.length, COUNT)
    assert.equal(new Set(received.map(m => m.id)).size, COUNT, 'no message twice')
    assert.deepEqual(received.map(m => m.id), ids, 'the ids, in send order')
    for (let i = 0; i < COUNT; i++) {
      const m = received[i]
      assert.equal(m.body, body('bulk', i), `message ${i}`)
      assert.equal(m.direction, 'in')
      if (i > 0) assert.ok(m.lamport > received[i - 1].lamport, `lamport strictly increasing at ${i}: ${received[i - 1].lamport} then ${m.lamport}`)
    }
    // and live, as it came in: each stored once, in the order sent
    const arrivals = logB.messages.filter(m => m.direction === 'in')
    assert.equal(arrivals.length, COUNT, 'B announced each message once')
    assert.deepEqual(arrivals.map(m => m.id), ids, 'B stored them in the order they were sent')

    const mine = await wholeConversation(a, b.peerId)
    assert.equal(mine.length, COUNT)
    assert.deepEqual(mine.filter(m => m.status !== 'delivered').map(m => `${m.body}: ${m.status}`), [], 'every message is delivered at A')
    assert.equal(await a.outboxSize(), 0)
  })

  it('sent without waiting for each other (a script pipelining), they keep the order of the calls', { timeout: 300_000 }, async () => {
    const PIPELINED = 2000
    const before = logB.messages.length
    // every call is made before any has returned: their writes share batches on disk
    const sent = await Promise.all(Array.from({ length: PIPELINED }, async (_, i) => a.sendMessage(b.peerId, body('pipelined', i))))
    const ids = sent.map(s => s.id)
    assert.equal(new Set(ids).size, PIPELINED)
    await waitFor(() => logB.messages.length - before >= PIPELINED, {
      timeout: 240_000,
      interval: 100,
      message: () => `all ${PIPELINED} stored at B (${logB.messages.length - before} so far)`
    })
    const arrivals = logB.messages.slice(before)
    assert.deepEqual(arrivals.map(m => m.body), ids.map((_, i) => body('pipelined', i)), 'stored at B in the order of the calls')
    const listed = (await wholeConversation(b, a.peerId)).slice(-PIPELINED)
    assert.deepEqual(listed.map(m => m.id), ids, 'and listed in that order')
    await waitFor(async () => (await a.outboxSize()) === 0, { timeout: 60_000, interval: 100, message: 'the outbox empties' })
  })
})
