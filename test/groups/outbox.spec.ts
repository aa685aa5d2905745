import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hex, unhex } from '../../node/hex.ts'
import { epochKeys, GROUP_ID_BYTES, randomBytes, SECRET_BYTES } from '../../node/groups/crypto.ts'
import { GroupOutbox } from '../../node/groups/outbox.ts'
import { TokenBuckets } from '../../node/groups/rate-limit.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { GroupsStore, type GroupRecord } from '../../node/store/groups-store.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import { waitFor } from '../fixtures/wait-for.ts'
import type { GroupPubSub } from '../../node/groups/pubsub.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * The group outbox publishes what a post queued: a post hands its entry over once written, and
 * while nothing older waits it goes out without being read back from the store first (a
 * thread-pool trip, seconds on a loaded channel owner); nothing is published twice or left behind.
 */
describe('the group outbox', { timeout: 30_000 }, () => {
  let dir: string
  let db: Database
  let store: GroupsStore
  let outbox: GroupOutbox
  let reader: PeerId
  /** what happened, in order: 'read' for a store read of the queue, else the entry published */
  let events: string[]
  const group = hex(randomBytes(GROUP_ID_BYTES))
  const record: GroupRecord = { id: group, name: 'c', admin: 'me', epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', channel: true, createdAt: 1, joinedAt: 1 }
  const keys = epochKeys(unhex(group), unhex(record.secrets[0]))
  /** the sealed envelope hides which entry it carries: the fake gossipsub learns it from here */
  let sealing: string[]

  beforeEach(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    store = new GroupsStore(db)
    await store.batch([store.groupOp(record)])
    reader = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    events = []
    sealing = []
    const entries = store.outbox.entries.bind(store.outbox)
    store.outbox.entries = async (owner, limit) => {
      events.push('read')
      const read = await entries(owner, limit)
      sealing.push(...read.map(e => new TextDecoder().decode(e.value)))
      return read
    }
    const pubsub: GroupPubSub = {
      subscribe: () => {},
      unsubscribe: () => {},
      publish: async () => { events.push(sealing.shift() ?? '?'); return { recipients: [reader] } },
      getSubscribers: () => [reader],
      topicValidators: new Map(),
      addEventListener: () => {},
      removeEventListener: () => {}
    }
    outbox = new GroupOutbox({
      store, pubsub, self: 'me', keys: () => keys, log: defaultLogger().forComponent('test:outbox'),
      pace: new TokenBuckets({ burst: 50, perSecond: 10 }), isReader: () => true
    })
    await outbox.start()
  })

  afterEach(async () => {
    outbox.stop()
    await outbox.drained()
    await db.close()
    await removeDir(dir)
  })

  /** Writes an entry to the queue as a post does; `handOver`: kicks with it, as a post does now. */
  const queue = async (text: string, handOver: boolean): Promise<void> => {
    const entry = { key: store.outboxKey(group, text), value: new TextEncoder().encode(text) }
    await store.batch([store.outboxOp(entry.key, entry.value)])
    if (handOver) sealing.push(text)
    outbox.kick(group, handOver ? entry : undefined)
  }
  const settled = async (published: number): Promise<void> => {
    await waitFor(async () => events.filter(e => e !== 'read').length >= published && (await store.outbox.entries(group, 10)).length === 0, { timeout: 10_000, message: 'the outbox to empty' })
    await outbox.drained()
  }

  it('publishes a handed-over post before reading the store, then reads it once', async () => {
    await queue('first', false)
    await settled(1)
    assert.deepEqual(events.filter(e => e !== 'read'), ['first'])
    events.length = 0
    await queue('second', true)
    await settled(1)
    assert.equal(events[0], 'second', `published before any read of the store (${events.join(', ')})`)
    assert.deepEqual(events.filter(e => e !== 'read'), ['second'], 'published once')
  })

  it('still publishes, once each, what another path queued without handing it over', async () => {
    await queue('first', false)
    await settled(1)
    events.length = 0
    await queue('join', false)
    await queue('post', true)
    await settled(2)
    assert.deepEqual(events.filter(e => e !== 'read').sort(), ['join', 'post'], events.join(', '))
  })
})
