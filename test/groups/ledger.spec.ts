import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hex, unhex } from '../../node/hex.ts'
import { GroupContext } from '../../node/groups/context.ts'
import { GROUP_ID_BYTES, randomBytes, SECRET_BYTES, signGroupMessage, type SignedGroupMessage } from '../../node/groups/crypto.ts'
import { GroupLedger } from '../../node/groups/ledger.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { GroupsStore, type GroupMessageRecord, type GroupRecord } from '../../node/store/groups-store.ts'
import { GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/**
 * The store step of a live message (GroupLedger.enqueue/receive after the topic validator):
 * what it reads again, and what it must still catch when the group changed in between.
 */
describe('storing a live group message after its validator', { timeout: 60_000 }, () => {
  let dir: string
  let db: Database
  let store: GroupsStore
  let ctx: GroupContext
  let ledger: GroupLedger
  let author: PrivateKey
  let source: PeerId
  let events: GroupMessageRecord[]
  let lamport: number
  let prev: Uint8Array | undefined
  const group = hex(randomBytes(GROUP_ID_BYTES))

  beforeEach(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    const me = await generateKeyPair('Ed25519')
    author = await generateKeyPair('Ed25519')
    source = peerIdFromPrivateKey(author)
    store = new GroupsStore(db)
    const record: GroupRecord = { id: group, name: 'g', admin: source.toString(), epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', createdAt: 1, joinedAt: 1 }
    await store.batch([store.groupOp(record), store.memberOp(group, { peerId: source.toString(), nickname: 'a', state: 'member', admin: true, at: 1 })])
    ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('test') })
    events = []
    ledger = new GroupLedger(ctx, { key: me, onStored: rec => { events.push(rec) } })
    lamport = 0
    prev = undefined
  })

  afterEach(async () => {
    ctx.stop()
    await ctx.drained()
    await db.close()
    await removeDir(dir)
  })

  async function next (): Promise<SignedGroupMessage> {
    const signed = await signGroupMessage({ key: author, group: unhex(group), lamport: ++lamport, kind: GroupMessageKind.TEXT, body: `text ${lamport}`, prev })
    prev = signed.hash
    return signed
  }

  /** What the validator does before it accepts (topics.ts admit): mark, dedupe, clock, author. */
  async function validate (signed: SignedGroupMessage): Promise<number> {
    const mark = ledger.dedupeMark(group)
    assert.equal(ledger.holds(group, hex(signed.message.id)), false)
    await store.clock(group)
    await store.member(group, source.toString())
    return mark
  }

  it('reads level once per message, in the validator\'s dedupe, not again in the store step', async () => {
    // every read that reaches level, on or off the thread pool
    let reads = 0
    for (const sublevel of [store.groups, store.ids, store.hashes, store.heads, store.members, store.clocks, store.unread]) {
      const get = sublevel.get.bind(sublevel) as (...args: any[]) => Promise<any>
      const getSync = sublevel.getSync.bind(sublevel) as (...args: any[]) => any
      ;(sublevel as any).get = async (...args: any[]) => { reads++; return get(...args) }
      ;(sublevel as any).getSync = (...args: any[]) => { reads++; return getSync(...args) }
    }
    // the first message fills the caches (the author's head, the unread count)
    const first = await next()
    assert.equal(await ledger.receive(group, first, { epoch: 0, source }, await validate(first)), 'stored')
    const signed = await next()
    reads = 0
    const mark = await validate(signed)
    assert.equal(await ledger.receive(group, signed, { epoch: 0, source }, mark), 'stored')
    assert.equal(reads, 1)
    assert.deepEqual(events.map(e => e.body), ['text 1', 'text 2'])
  })

  it('stores a message once when history stored it between the validator and the store step', async () => {
    const signed = await next()
    const mark = await validate(signed)
    assert.equal(await ledger.receive(group, signed, { sync: true, source }), 'stored')
    assert.equal(await ledger.receive(group, signed, { epoch: 0, source }, mark), 'duplicate')
    assert.equal(events.length, 1)
    assert.equal(await store.unreadCount(group), 1)
  })

  it('skips the second dedupe only for the group history wrote nothing to', async () => {
    const other = hex(randomBytes(GROUP_ID_BYTES))
    const mark = ledger.dedupeMark(group)
    await ledger.receive(group, await next(), { sync: true, source })
    assert.notEqual(ledger.dedupeMark(group), mark)
    assert.equal(ledger.dedupeMark(other), 0)
  })

  it('ignores the message of an author removed between the validator and the store step', async () => {
    const signed = await next()
    const mark = await validate(signed)
    await store.batch([store.memberOp(group, { peerId: source.toString(), nickname: 'a', state: 'removed', admin: false, at: 1, removedEpoch: 0 })])
    assert.equal(await ledger.receive(group, signed, { epoch: 0, source }, mark), 'ignored')
    assert.equal(events.length, 0)
    assert.equal(store.hasSync(group, hex(signed.message.id)), false)
  })
})
