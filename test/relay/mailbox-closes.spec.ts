import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { MailboxRefusedError, MailboxStatus, QUEUE_ID_BYTES, TOKEN_BYTES, type Mailbox, type QueueKeys } from '../../protocols/mailbox/index.ts'
import { MAX_CLOSE_AGE_MS, MAX_PENDING_CLOSES, MailboxCloses, type PendingClose } from '../../node/direct/mailbox-closes.ts'
import { deriveQueue } from '../../node/direct/mailbox-queues.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'

const log = Object.assign((): void => {}, { error: (): void => {}, trace: (): void => {}, enabled: false }) as unknown as Logger
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('the invite queue generation', () => {
  it('generation 0 derives the ids of before (existing invites keep working); each later one a queue of its own', async () => {
    const identity = await generateKeyPair('Ed25519')
    const relay = await newPeer()
    // the derivation as it was before generations
    const okm = hkdf(sha256, identity.raw.subarray(0, 32), new TextEncoder().encode('hyphae-mailbox-queue/1'), relay.toMultihash().bytes, QUEUE_ID_BYTES + 32 + TOKEN_BYTES)
    for (const q of [await deriveQueue(identity, relay), await deriveQueue(identity, relay, undefined, 0)]) {
      assert.equal(hex(q.id), hex(okm.slice(0, QUEUE_ID_BYTES)))
      assert.equal(hex(q.token), hex(okm.slice(QUEUE_ID_BYTES + 32)))
    }
    const ids = await Promise.all([0, 1, 2, 0xffffffff].map(async g => hex((await deriveQueue(identity, relay, undefined, g)).id)))
    assert.equal(new Set(ids).size, 4)
    const contact = await newPeer()
    assert.equal(hex((await deriveQueue(identity, relay, contact, 5)).id), hex((await deriveQueue(identity, relay, contact)).id), 'a contact\'s queue has no generation')
    await assert.rejects(deriveQueue(identity, relay, undefined, -1), RangeError)
  })
})

describe('closes a relay has not answered yet', () => {
  let dir: string
  let db: Database
  let key: PrivateKey
  let contacts: ContactsStore
  /** per relay: what its Close answers */
  const answers = new Map<string, 'ok' | 'denied' | 'away'>()
  const sent: Array<{ relay: string, queue: string }> = []
  const mailbox = {
    close: async (relay: PeerId, queue: QueueKeys) => {
      sent.push({ relay: relay.toString(), queue: hex(queue.id) })
      const answer = answers.get(relay.toString()) ?? 'away'
      if (answer === 'denied') throw new MailboxRefusedError(MailboxStatus.DENIED)
      if (answer === 'away') throw new Error('no connection')
    }
  } as unknown as Mailbox
  const closes = (): MailboxCloses => new MailboxCloses({ db, key, mailbox, contacts, log, connected: r => answers.has(r.toString()), reserved: () => [] })

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    key = await generateKeyPair('Ed25519')
    contacts = new ContactsStore(db)
  })
  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  it('kept until the relay answers (closed, or DENIED: no such queue), across a restart', async () => {
    const [up, later, forgot, contact] = await Promise.all([newPeer(), newPeer(), newPeer(), newPeer()])
    answers.set(up.toString(), 'ok')
    answers.set(forgot.toString(), 'denied')
    const c = closes()
    await c.start()
    assert.equal(await c.closeContact(contact, [up, later, forgot].map(String)), 2, 'closed at once where connected')
    assert.deepEqual((await c.list()).map(p => p.relay), [later.toString()])
    assert.deepEqual(sent.filter(s => s.relay === up.toString()).map(s => s.queue), [hex((await deriveQueue(key, up, contact)).id)])

    const again = closes()
    await again.start()
    assert.equal(await again.retry(later), 0, 'a relay that does not answer keeps it')
    answers.set(later.toString(), 'ok')
    assert.equal(await again.retryAll(), 1, 'a restart kept it, and it goes once the relay is back')
    assert.deepEqual(await again.list(), [])
  })

  it('the invite\'s: the generation moves on for good, the old queue is what is closed', async () => {
    const relay = await newPeer()
    answers.set(relay.toString(), 'ok')
    const c = closes()
    await c.start()
    const before = c.generation
    await c.rotateInvite([relay.toString()])
    assert.equal(c.generation, before + 1)
    assert.equal(sent.at(-1)?.queue, hex((await deriveQueue(key, relay, undefined, before)).id))
    const restarted = closes()
    await restarted.start()
    assert.equal(restarted.generation, before + 1, 'kept in the profile')
  })

  it('dropped unsent when no longer wanted: too old, or the contact was added back', async () => {
    const [relay, back, old] = await Promise.all([newPeer(), newPeer(), newPeer()])
    const c = closes()
    await c.start()
    await c.closeContact(back, [relay.toString()])
    await contacts.put({ peerId: back.toString(), nickname: 'back', addrs: [], state: 'contact', addedAt: Date.now() })
    const stale: PendingClose = { relay: relay.toString(), contact: old.toString(), since: Date.now() - MAX_CLOSE_AGE_MS - 1000 }
    await db.sublevel<string, PendingClose>('mailbox-closes', { valueEncoding: 'json' }).put(`${relay.toString()}!${old.toString()}`, stale)
    assert.equal((await c.list()).length, 2)
    answers.set(relay.toString(), 'ok')
    const count = sent.length
    assert.equal(await c.retry(relay), 0)
    assert.equal(sent.length, count, 'nothing sent')
    assert.deepEqual(await c.list(), [])
  })

  it(`at most ${MAX_PENDING_CLOSES} kept, the newest`, async () => {
    const relays = (await Promise.all(Array.from({ length: 30 }, async () => newPeer()))).map(String)
    const c = closes()
    await c.start()
    const contacts = await Promise.all(Array.from({ length: Math.ceil(MAX_PENDING_CLOSES / relays.length) + 1 }, async () => newPeer()))
    for (const contact of contacts) await c.closeContact(contact, relays)
    const held = await c.list()
    assert.equal(held.length, MAX_PENDING_CLOSES)
    assert.equal(held.filter(p => p.contact === contacts.at(-1)!.toString()).length, relays.length, 'the last block\'s are all kept')
  })
})
