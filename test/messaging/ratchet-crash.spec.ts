import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { AckStatus, type Envelope } from '../../protocols/dm/index.ts'
import { RequestQuota } from '../../node/direct/request-quota.ts'
import { createInbox, type Inbox } from '../../node/direct/inbox.ts'
import { Ratchet } from '../../node/direct/ratchet.ts'
import { KeyedMutex } from '../../node/keyed-mutex.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { MessagesStore } from '../../node/store/messages-store.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import { party, type Party } from '../protocols/dm/parties.ts'
import { sealTo } from '../protocols/dm/parties.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** one data key for every store here: a store reopened after a crash needs the same */
const DATA_KEY = randomBytes(32)

/** alice writes to bob for the first time: a stranger, on a stream that began with an introduction */
const INTRODUCED = { introduced: true }

/** Bob's receiving side as a node builds it, over a level database on disk that outlives it. */
interface Receiver {
  db: Database
  messages: MessagesStore
  ratchet: Ratchet
  inbox: Inbox
}

async function startReceiver (dir: string, key: PrivateKey): Promise<Receiver> {
  const db: Database = await openDatabase(dir, 'db', DATA_KEY)
  const messages = new MessagesStore(db)
  const ratchet = new Ratchet(db, key)
  await ratchet.ready()
  const contacts = new ContactsStore(db)
  const inbox = createInbox({
    contacts, messages, ratchet, mutex: new KeyedMutex(), log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false }) as any,
    quota: new RequestQuota(db, contacts, messages), onDropped: () => {}, onStored: () => {}, onControl: async () => {}
  })
  return { db, messages, ratchet, inbox }
}

/**
 * The process dies while the batch is being written: nothing of it reaches the disk. (Level
 * writes a batch atomically, so "the message landed and the ratchet state did not", or the
 * reverse, can only come from writing them in two batches.)
 */
function dieOnNextWrite (receiver: Receiver): void {
  const batch = receiver.db.batch.bind(receiver.db)
  let died = false
  receiver.db.batch = (async (ops: any[], ...rest: any[]) => {
    // the write that carries the messages dies
    if (!died && Array.isArray(ops) && ops.some(op => op.sublevel === receiver.messages.messages)) { died = true; throw new Error('killed mid-write') }
    return (batch as any)(ops, ...rest)
  }) as any
}

describe('a crash between "message stored" and "ratchet state saved"', () => {
  let alice: Party
  let bobKey: PrivateKey
  let bobDir: string
  let bob: Receiver
  let from: PeerId
  let lamport = 0
  before(async () => {
    alice = await party()
    bobDir = await tempDir('hyphae-ratchet-crash-')
    const { generateKeyPair } = await import('@libp2p/crypto/keys')
    bobKey = await generateKeyPair('Ed25519')
    bob = await startReceiver(bobDir, bobKey)
    from = peerIdFromString(alice.peer)
  })
  after(async () => {
    await bob.db.close().catch(() => {})
    await alice.close()
    await removeDir(bobDir)
  })

  async function restart (): Promise<void> {
    await bob.db.close()
    bob = await startReceiver(bobDir, bobKey)
  }

  /** Alice's messages to bob, sealed from the prekeys of bob's invite. */
  async function fromAlice (...bodies: string[]): Promise<Envelope[]> {
    const bobParty = { key: bobKey, peer: bob.ratchet.me, ratchet: bob.ratchet } as unknown as Party
    const envelopes: Envelope[] = []
    for (const body of bodies) envelopes.push(await sealTo(alice, bobParty, body, { lamport: BigInt(++lamport) }))
    return envelopes
  }

  async function bodies (): Promise<string[]> {
    return (await bob.messages.list(alice.peer)).map(m => m.body)
  }

  it('dies before the write lands: nothing is acked, and the retry after a restart is stored', async () => {
    const envelopes = await fromAlice('one', 'two', 'three')
    dieOnNextWrite(bob)
    await assert.rejects(bob.inbox.receiveMany(from, envelopes, INTRODUCED), /killed mid-write/, 'no STORED ack: the sender keeps them')
    await restart()
    assert.deepEqual(await bob.inbox.receiveMany(from, envelopes, INTRODUCED), [AckStatus.STORED, AckStatus.STORED, AckStatus.STORED])
    assert.deepEqual(await bodies(), ['one', 'two', 'three'])
  })

  it('the same failure without a restart: memory does not run ahead of the disk', async () => {
    const envelopes = await fromAlice('four')
    dieOnNextWrite(bob)
    await assert.rejects(bob.inbox.receiveMany(from, envelopes, INTRODUCED), /killed mid-write/)
    assert.deepEqual(await bob.inbox.receiveMany(from, envelopes, INTRODUCED), [AckStatus.STORED])
    assert.deepEqual(await bodies(), ['one', 'two', 'three', 'four'])
  })

  it('dies after the write, before the ack: the retry is a DUPLICATE and shown once', async () => {
    const envelopes = await fromAlice('five', 'six')
    assert.deepEqual(await bob.inbox.receiveMany(from, envelopes, INTRODUCED), [AckStatus.STORED, AckStatus.STORED])
    await restart()
    // the sender never heard the acks: the same bytes again, directly and from a mailbox
    assert.deepEqual(await bob.inbox.receiveMany(from, envelopes, INTRODUCED), [AckStatus.DUPLICATE, AckStatus.DUPLICATE])
    assert.deepEqual(await bob.inbox.receive(from, envelopes[0], INTRODUCED), AckStatus.DUPLICATE)
    assert.deepEqual(await bodies(), ['one', 'two', 'three', 'four', 'five', 'six'])
  })

  it('a message whose key libsignal forgot (over 2,000 skipped) is refused, not claimed as a duplicate', { timeout: 300_000 }, async () => {
    const [lost] = await fromAlice('lost in a long gap')
    const gap = await fromAlice(...Array.from({ length: 2001 }, (_, i) => `gap ${i}`))
    assert.deepEqual(await bob.inbox.receiveMany(from, [gap[gap.length - 1]], INTRODUCED), [AckStatus.STORED])
    assert.deepEqual(await bob.inbox.receive(from, lost, INTRODUCED), AckStatus.MALFORMED, 'the sender hears it failed')
  })
})
