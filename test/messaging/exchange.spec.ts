import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther, EventLog } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { MessageRecord } from '../../node/messenger.ts'

async function stored (node: HyphaeMessenger, ref: string, id: string): Promise<MessageRecord | undefined> {
  return (await node.listMessages(ref, { limit: 1000 })).find(m => m.id === id)
}

describe('direct messages between two contacts', { timeout: 120_000 }, () => {
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

  it('both ways: the recipient stores it, the sender sees it delivered', async () => {
    const toB = await a.sendMessage(b.peerId, 'hello B')
    const toA = await b.sendMessage(a.peerId, 'hello A')
    assert.equal(toB.status, 'queued')
    assert.equal(toA.status, 'queued')

    await waitFor(() => logA.saw(toB.id, 'delivered') && logB.saw(toA.id, 'delivered'), {
      timeout: 30_000,
      message: () => `receipts 'delivered' on both sides; A saw ${JSON.stringify(logA.receipts)}, B saw ${JSON.stringify(logB.receipts)}`
    })

    const mineA = await stored(a, b.peerId, toB.id)
    assert.equal(mineA?.status, 'delivered')
    assert.equal(mineA?.direction, 'out')
    assert.equal(mineA?.body, 'hello B')
    const theirsB = await stored(b, a.peerId, toB.id)
    assert.equal(theirsB?.direction, 'in')
    assert.equal(theirsB?.body, 'hello B')
    assert.equal(theirsB?.status, 'received')
    assert.equal(theirsB?.conversation, a.peerId)

    const mineB = await stored(b, a.peerId, toA.id)
    assert.equal(mineB?.status, 'delivered')
    const theirsA = await stored(a, b.peerId, toA.id)
    assert.equal(theirsA?.body, 'hello A')
    assert.equal(theirsA?.direction, 'in')
    assert.equal(theirsA?.conversation, b.peerId)

    // the recipient announced what it stored, once
    assert.equal(logB.messages.filter(m => m.id === toB.id && m.direction === 'in').length, 1)
    assert.equal(await a.outboxSize(), 0)
    assert.equal(await b.outboxSize(), 0)
  })

  it('read receipts: none by default; once the reader opts in, markRead makes the message read', async () => {
    assert.equal((await b.settings()).readReceipts, false, 'read receipts are off unless the user opts in')

    // off: B reads m1, A keeps seeing 'delivered'
    const m1 = await a.sendMessage(b.peerId, 'read me (receipts off)')
    await waitFor(() => logA.saw(m1.id, 'delivered'), { timeout: 30_000, message: 'm1 delivered' })
    const unreadBefore = (await b.listContacts()).find(c => c.peerId === a.peerId)?.unread ?? 0
    assert.ok(unreadBefore >= 1, `B lists A with ${unreadBefore} unread`)
    const readOff = await b.markRead(a.peerId)
    assert.equal((await b.listContacts()).find(c => c.peerId === a.peerId)?.unread, 0, 'nothing unread once read')
    assert.ok(readOff.includes(m1.id), `markRead returned ${JSON.stringify(readOff)}`)
    assert.equal((await stored(b, a.peerId, m1.id))?.status, 'read', 'the reader\'s own copy is read')

    // on: B reads m2, A sees 'read'
    assert.deepEqual(await b.updateSettings({ readReceipts: true }), { readReceipts: true, censored: false, proxy: null, onion: null, dhtServer: false })
    assert.equal((await b.settings()).readReceipts, true)
    const m2 = await a.sendMessage(b.peerId, 'read me (receipts on)')
    await waitFor(() => logA.saw(m2.id, 'delivered'), { timeout: 30_000, message: 'm2 delivered' })
    assert.deepEqual(await b.markRead(a.peerId), [m2.id], 'only m2 was still unread')
    await waitFor(() => logA.saw(m2.id, 'read'), { timeout: 30_000, message: `a 'read' receipt for m2; A saw ${JSON.stringify(logA.receipts)}` })
    const readM2 = await stored(a, b.peerId, m2.id)
    assert.equal(readM2?.status, 'read')
    assert.equal(typeof readM2?.readAt, 'number')

    // Receipts from B to A travel on B's one stream to A and A handles them strictly in order:
    // had B sent one for m1, A would have handled it before m2's. So m1 stays 'delivered'.
    assert.equal((await stored(a, b.peerId, m1.id))?.status, 'delivered')
    assert.equal(logA.saw(m1.id, 'read'), false, 'no read receipt for a message read with receipts off')

    // a message marked read twice is not read again
    assert.deepEqual(await b.markRead(a.peerId), [])
    await b.updateSettings({ readReceipts: false })
  })

  it('carries replyTo to the other side', async () => {
    const question = await a.sendMessage(b.peerId, 'lunch?')
    await waitFor(() => logA.saw(question.id, 'delivered'), { timeout: 30_000, message: 'the question delivered' })
    const answer = await b.sendMessage(a.peerId, 'yes', { replyTo: question.id })
    await waitFor(() => logB.saw(answer.id, 'delivered'), { timeout: 30_000, message: 'the answer delivered' })
    assert.equal((await stored(b, a.peerId, answer.id))?.replyTo, question.id, 'the sender\'s copy')
    const received = await stored(a, b.peerId, answer.id)
    assert.equal(received?.body, 'yes')
    assert.equal(received?.replyTo, question.id, 'the recipient\'s copy')
    // and a plain message has none
    assert.equal((await stored(a, b.peerId, question.id))?.replyTo, undefined)
  })

  it('refuses an empty text, an unknown contact and a body over 64 KiB, storing nothing', async () => {
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const before = await a.listMessages(b.peerId, { limit: 1000 })
    const outboxBefore = await a.outboxSize()
    const eventsBefore = logA.messages.length

    await assert.rejects(a.sendMessage(b.peerId, ''), { name: 'InvalidArgumentError' })
    await assert.rejects(a.sendMessage(b.peerId, ' \n\t '), { name: 'InvalidArgumentError' })
    await assert.rejects(a.sendMessage(stranger, 'hi'), { name: 'UnknownContactError' })
    await assert.rejects(a.sendMessage('nobody-by-that-name', 'hi'), { name: 'UnknownContactError' })
    await assert.rejects(a.sendMessage(b.peerId, 'x'.repeat(64 * 1024 + 1)), { name: 'MessageTooLargeError' })
    // the limit is in UTF-8 bytes, not characters: 32,769 characters, 65,537 bytes
    await assert.rejects(a.sendMessage(b.peerId, 'é'.repeat(32 * 1024) + 'x'), { name: 'MessageTooLargeError' })
    await assert.rejects(a.sendMessage(b.peerId, 'hi', { replyTo: 'not-an-id' }), { name: 'InvalidArgumentError' })

    assert.deepEqual((await a.listMessages(b.peerId, { limit: 1000 })).map(m => m.id), before.map(m => m.id), 'nothing stored in the conversation')
    assert.equal(await a.outboxSize(), outboxBefore, 'nothing queued')
    assert.equal(logA.messages.length, eventsBefore, 'no message event')
    await assert.rejects(a.listMessages(stranger), { name: 'UnknownContactError' }, 'no conversation created for the stranger')
    assert.equal((await a.listContacts()).some(c => c.peerId === stranger), false)

    // exactly 64 KiB (in two-byte characters) is allowed, and arrives intact
    const full = 'é'.repeat(32 * 1024)
    const sent = await a.sendMessage(b.peerId, full)
    await waitFor(() => logA.saw(sent.id, 'delivered'), { timeout: 30_000, message: 'the 64 KiB message delivered' })
    assert.equal((await stored(b, a.peerId, sent.id))?.body, full)
  })

  it('markRead reads every unread message, also one older than a page of the reader\'s own replies', async () => {
    // what the earlier tests left unread is read first, so only this test's message is unread
    await b.markRead(a.peerId)
    // B gets a message, and answers with 200 of its own without opening the conversation (the
    // CLI's `hyphae send` never marks anything read)
    const unread = await a.sendMessage(b.peerId, 'did you see this?')
    await waitFor(async () => (await stored(b, a.peerId, unread.id)) != null, { timeout: 30_000, message: 'the message at B' })
    for (let i = 0; i < 200; i++) await b.sendMessage(a.peerId, `answer ${i}`)

    const read = await b.markRead(a.peerId)
    assert.deepEqual(read, [unread.id], 'markRead returns the one unread message')
    assert.equal((await stored(b, a.peerId, unread.id))?.status, 'read')
  })
})

describe('three contacts talking to each other', { timeout: 120_000 }, () => {
  let network: Network
  const logs: EventLog[] = []

  before(async () => {
    network = await createNetwork(3)
    for (const node of network.nodes) logs.push(new EventLog(node))
    await addEachOther(network.nodes)
  })

  after(async () => {
    for (const log of logs) log.detach()
    await network?.stop()
  })

  it('each conversation holds exactly its own messages', async () => {
    const nodes = network.nodes
    const names = ['A', 'B', 'C']
    const sent: Array<{ from: number, to: number, id: string, body: string }> = []
    for (let round = 0; round < 2; round++) {
      for (let from = 0; from < 3; from++) {
        for (let to = 0; to < 3; to++) {
          if (from === to) continue
          const body = `${names[from]} to ${names[to]}, ${round}`
          const { id } = await nodes[from].sendMessage(nodes[to].peerId, body)
          sent.push({ from, to, id, body })
        }
      }
    }
    assert.equal(sent.length, 12)
    await waitFor(() => sent.every(s => logs[s.from].saw(s.id, 'delivered')), {
      timeout: 30_000,
      message: () => `all 12 delivered; missing ${JSON.stringify(sent.filter(s => !logs[s.from].saw(s.id, 'delivered')))}`
    })

    for (let me = 0; me < 3; me++) {
      for (let other = 0; other < 3; other++) {
        if (me === other) continue
        const conversation = await nodes[me].listMessages(nodes[other].peerId, { limit: 1000 })
        const expected = sent.filter(s => (s.from === me && s.to === other) || (s.from === other && s.to === me))
        const view = (m: { id: string, body: string }): string => `${m.id} ${m.body}`
        assert.deepEqual(
          conversation.map(view).sort(),
          expected.map(view).sort(),
          `${names[me]}'s conversation with ${names[other]}`
        )
        for (const m of conversation) {
          assert.equal(m.conversation, nodes[other].peerId)
          const origin = expected.find(s => s.id === m.id)
          assert.equal(m.direction, origin?.from === me ? 'out' : 'in', `direction of ${m.body} at ${names[me]}`)
          assert.equal(m.status, origin?.from === me ? 'delivered' : 'received')
        }
      }
      assert.equal(await nodes[me].outboxSize(), 0)
    }
  })
})
