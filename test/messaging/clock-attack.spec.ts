import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { AckStatus, type OpenedEnvelope } from '../../protocols/dm/index.ts'
import { createInbox, MAX_CLOCK_JUMP, type Inbox } from '../../node/direct/inbox.ts'
import { RequestQuota } from '../../node/direct/request-quota.ts'
import { KeyedMutex } from '../../node/keyed-mutex.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { MessagesStore } from '../../node/store/messages-store.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * A contact controls the Lamport clock and the send time in what it sends. One message with
 * clock 2^63-1 used to set ours there: past 2^53 Number() loses precision, and its 19 digits
 * sorted it after every later message (keys hold 16), so the conversation's order broke for good.
 */
describe('a contact cannot wreck a conversation with its clock or send time', () => {
  let dir: string
  let db: Database
  let messages: MessagesStore
  let inbox: Inbox
  let alice: PrivateKey
  let aliceId: PeerId

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    messages = new MessagesStore(db)
    const contacts = new ContactsStore(db)
    alice = await generateKeyPair('Ed25519')
    aliceId = peerIdFromPrivateKey(alice)
    await contacts.put({ peerId: aliceId.toString(), nickname: 'alice', addrs: [], state: 'contact', addedAt: Date.now() })
    inbox = createInbox({ contacts, messages, mutex: new KeyedMutex(), quota: new RequestQuota(db, contacts, messages), onStored: () => {}, onDropped: () => {}, onControl: async () => {} })
  })

  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  const from = (body: string, lamport: bigint, sentAt = Date.now()): OpenedEnvelope => ({
    sender: alice.publicKey, from: aliceId, id: randomBytes(16), lamport, sentAt, body
  })

  it('a huge clock is stored in arrival order and moves ours by one; a future send time is not believed', async () => {
    const conversation = aliceId.toString()
    const year3000 = Date.parse('3000-01-01T00:00:00Z')
    const sent = [from('first', 1n), from('hostile', (1n << 63n) - 1n, year3000), from('after it', 3n)]
    for (const message of sent) assert.deepEqual(await inbox.receiveMany(aliceId, [{ message }]), [AckStatus.STORED])
    const page = await messages.list(conversation)
    assert.deepEqual(page.map(m => m.body), ['first', 'hostile', 'after it'])
    const clock = await messages.clock(conversation)
    assert.ok(clock < MAX_CLOCK_JUMP, `our clock is ${clock}`)
    const hostile = page.find(m => m.body === 'hostile')
    assert.ok(hostile != null && hostile.sentAt <= Date.now(), `shown as sent at ${new Date(hostile?.sentAt ?? 0).toISOString()}`)
    // an honest jump within the bound is kept as sent (a contact who wrote a lot while we were away)
    assert.deepEqual(await inbox.receiveMany(aliceId, [{ message: from('much later', BigInt(clock + 1000)) }]), [AckStatus.STORED])
    assert.equal(await messages.clock(conversation), clock + 1000)
  })
})
