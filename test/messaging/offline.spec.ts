import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther, body, EventLog, freePort } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const COUNT = 50

describe('a contact who is offline', { timeout: 180_000 }, () => {
  let network: Network
  let logA: EventLog
  let listenB: string[]

  before(async () => {
    // B comes back on the same port, so the address in its invite stays good
    listenB = [`/ip4/127.0.0.1/tcp/${await freePort()}`]
    network = await createNetwork(2, { init: i => i === 1 ? { listen: listenB } : {} })
    logA = new EventLog(network.nodes[0])
    await addEachOther(network.nodes)
  })

  after(async () => {
    logA?.detach()
    await network?.stop()
  })

  it(`gets the ${COUNT} messages sent while it was away once it starts again, once each, in order`, async () => {
    const a = network.nodes[0]
    const bBefore = network.nodes[1]

    // talk once while both are up, so A has a live stream to B that B's going away breaks
    const hello = await a.sendMessage(bBefore.peerId, 'before you go')
    await waitFor(() => logA.saw(hello.id, 'delivered'), { timeout: 30_000, message: 'the first message delivered' })

    await bBefore.stop()
    await waitFor(() => !connectedPeers(a).has(bBefore.peerId), { timeout: 10_000, message: 'A to see B go' })

    const ids: string[] = []
    for (let i = 0; i < COUNT; i++) {
      const sent = await a.sendMessage(bBefore.peerId, body('offline', i))
      assert.equal(sent.status, 'queued')
      ids.push(sent.id)
    }
    assert.equal(await a.outboxSize(), COUNT)
    const waiting = (await a.listMessages(bBefore.peerId, { limit: 1000 })).filter(m => ids.includes(m.id))
    assert.deepEqual(waiting.map(m => m.status), ids.map(() => 'queued'), 'nothing delivered while B is away')

    const b = await network.restart(1, { listen: listenB })
    assert.equal(b.peerId, bBefore.peerId)

    await waitFor(async () => (await a.outboxSize()) === 0 && ids.every(id => logA.saw(id, 'delivered')), {
      timeout: 60_000,
      message: () => `A's outbox to flush (${logA.receipts.filter(r => ids.includes(r.id) && r.status === 'delivered').length}/${COUNT} delivered)`
    })
    assert.ok(connectedPeers(a).has(b.peerId), 'A and B are connected again')

    const received = (await b.listMessages(a.peerId, { limit: 1000 })).filter(m => m.direction === 'in')
    assert.equal(received.length, COUNT + 1, 'the first message and the 50 queued ones, no more')
    assert.equal(new Set(received.map(m => m.id)).size, COUNT + 1, 'each once')
    assert.deepEqual(received.slice(1).map(m => m.id), ids, 'in the order they were sent')
    assert.deepEqual(received.slice(1).map(m => m.body), ids.map((_, i) => body('offline', i)))
    for (let i = 1; i < received.length; i++) assert.ok(received[i].lamport > received[i - 1].lamport)

    const mine = (await a.listMessages(b.peerId, { limit: 1000 })).filter(m => ids.includes(m.id))
    assert.deepEqual(mine.map(m => m.status), ids.map(() => 'delivered'))
  })
})

describe('message requests and blocks', { timeout: 120_000 }, () => {
  // B receives; C writes without being B's contact; D is blocked by B
  let network: Network
  let b: HyphaeMessenger
  let c: HyphaeMessenger
  let d: HyphaeMessenger
  let logB: EventLog
  let logC: EventLog
  let logD: EventLog

  before(async () => {
    network = await createNetwork(3)
    ;[b, c, d] = network.nodes
    logB = new EventLog(b)
    logC = new EventLog(c)
    logD = new EventLog(d)
    const inviteB = (await b.id()).invite
    await c.addContact(inviteB)
    await d.addContact(inviteB)
  })

  after(async () => {
    for (const log of [logB, logC, logD]) log?.detach()
    await network?.stop()
  })

  it('a message from a non-contact is a request until accepted', async () => {
    const sent = await c.sendMessage(b.peerId, 'hello, we met at the market')
    await waitFor(() => logC.saw(sent.id, 'delivered'), { timeout: 30_000, message: 'the stranger\'s message delivered' })

    const requests = await b.listRequests()
    assert.deepEqual(requests.map(r => r.peerId), [c.peerId])
    assert.equal(requests[0].state, 'request')
    assert.equal(requests[0].messages, 1)
    assert.equal(requests[0].last?.id, sent.id)
    assert.equal(requests[0].last?.body, 'hello, we met at the market')
    assert.equal((await b.listContacts()).some(x => x.peerId === c.peerId), false, 'not a contact')

    const accepted = await b.acceptRequest(c.peerId)
    assert.equal(accepted.peerId, c.peerId)
    assert.equal(accepted.state, 'contact')
    assert.deepEqual(await b.listRequests(), [])
    const contact = (await b.listContacts()).find(x => x.peerId === c.peerId)
    assert.equal(contact?.state, 'contact')
    // the request's message is now the start of a normal conversation, and B can answer
    assert.deepEqual((await b.listMessages(c.peerId)).map(m => m.id), [sent.id])
    const answer = await b.sendMessage(c.peerId, 'oh hi!')
    await waitFor(() => logB.saw(answer.id, 'delivered'), { timeout: 30_000, message: 'B\'s answer delivered' })
    assert.equal((await c.listMessages(b.peerId)).find(m => m.id === answer.id)?.body, 'oh hi!')
  })

  it('a blocked peer\'s message is refused: it ends failed at the sender, nothing is stored', async () => {
    await b.blockContact(d.peerId)
    const sent = await d.sendMessage(b.peerId, 'let me in')
    await waitFor(() => logD.saw(sent.id, 'failed') || logD.saw(sent.id, 'delivered'), {
      timeout: 30_000,
      message: () => `a final status for D's message; D saw ${JSON.stringify(logD.receipts)}`
    })
    assert.equal(logD.saw(sent.id, 'delivered'), false, 'not delivered')
    assert.equal((await d.listMessages(b.peerId)).find(m => m.id === sent.id)?.status, 'failed')
    assert.equal(await d.outboxSize(), 0, 'a final refusal is not retried')

    assert.deepEqual(await b.listMessages(d.peerId), [], 'B stored nothing from D')
    assert.equal(logB.messages.some(m => m.conversation === d.peerId), false)
    assert.equal((await b.listRequests()).some(r => r.peerId === d.peerId), false, 'no request either')
    assert.equal((await b.listContacts()).find(x => x.peerId === d.peerId)?.state, 'blocked')
  })

  it('blocking someone who already wrote refuses what they send next', async () => {
    const before = await b.listMessages(c.peerId)
    await b.blockContact(c.peerId)
    const sent = await c.sendMessage(b.peerId, 'are you there?')
    await waitFor(() => logC.saw(sent.id, 'failed') || logC.saw(sent.id, 'delivered'), { timeout: 30_000, message: 'a final status for C\'s message' })
    assert.equal((await c.listMessages(b.peerId)).find(m => m.id === sent.id)?.status, 'failed')
    assert.deepEqual(await b.listMessages(c.peerId), before, 'the conversation is as it was')
  })
})
