import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { AckStatus } from '../../protocols/dm/index.ts'
import { createInbox, MAX_CLOCK_JUMP, type Inbox } from '../../node/direct/inbox.ts'
import { RequestQuota } from '../../node/direct/request-quota.ts'
import { KeyedMutex } from '../../node/keyed-mutex.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { MessagesStore } from '../../node/store/messages-store.ts'
import { party, sealTo, type Party } from '../protocols/dm/parties.ts'
import type { Logger, PeerId } from '@libp2p/interface'

const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as unknown as Logger

/**
 * A contact controls the Lamport clock and the send time in what it sends (inside the ratchet's
 * payload). One message with clock 2^63-1 used to set ours there: past 2^53 Number() loses
 * precision, and its 19 digits sorted it after every later message (keys hold 16), for good.
 */
describe('a contact cannot wreck a conversation with its clock or send time', () => {
  let bob: Party
  let alice: Party
  let aliceId: PeerId
  let messages: MessagesStore
  let inbox: Inbox

  before(async () => {
    ;[bob, alice] = await Promise.all([party(), party()])
    aliceId = peerIdFromPrivateKey(alice.key)
    messages = new MessagesStore(bob.db)
    const contacts = new ContactsStore(bob.db)
    await contacts.put({ peerId: aliceId.toString(), nickname: 'alice', addrs: [], state: 'contact', addedAt: Date.now() })
    inbox = createInbox({ contacts, messages, ratchet: bob.ratchet, mutex: new KeyedMutex(), log: quiet, quota: new RequestQuota(bob.db, contacts, messages), onStored: () => {}, onDropped: () => {}, onControl: async () => {} })
  })

  after(async () => {
    await bob?.close()
    await alice?.close()
  })

  it('a huge clock is stored in arrival order and moves ours by one; a future send time is not believed', async () => {
    const conversation = aliceId.toString()
    const year3000 = Date.parse('3000-01-01T00:00:00Z')
    const sent = [
      await sealTo(alice, bob, 'first', { lamport: 1n }),
      await sealTo(alice, bob, 'hostile', { lamport: (1n << 63n) - 1n, sentAt: year3000 }),
      await sealTo(alice, bob, 'after it', { lamport: 3n })
    ]
    for (const envelope of sent) assert.deepEqual(await inbox.receiveMany(aliceId, [envelope]), [AckStatus.STORED])
    const page = await messages.list(conversation)
    assert.deepEqual(page.map(m => m.body), ['first', 'hostile', 'after it'])
    const clock = await messages.clock(conversation)
    assert.ok(clock < MAX_CLOCK_JUMP, `our clock is ${clock}`)
    const hostile = page.find(m => m.body === 'hostile')
    assert.ok(hostile != null && hostile.sentAt <= Date.now(), `shown as sent at ${new Date(hostile?.sentAt ?? 0).toISOString()}`)
    // an honest jump within the bound is kept as sent (a contact who wrote a lot while we were away)
    assert.deepEqual(await inbox.receiveMany(aliceId, [await sealTo(alice, bob, 'much later', { lamport: BigInt(clock + 1000) })]), [AckStatus.STORED])
    assert.equal(await messages.clock(conversation), clock + 1000)
  })
})
