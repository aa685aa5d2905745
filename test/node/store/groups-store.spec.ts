import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { GroupsStore, type GroupMemberRecord, type GroupRecord } from '../../../node/store/groups-store.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'

const member = (peerId: string, state: GroupMemberRecord['state']): GroupMemberRecord => ({ peerId, nickname: peerId, state, admin: false, at: 1 })
const group = (id: string, epoch: number): GroupRecord => ({ id, name: 'g', admin: 'a', epoch, secrets: {}, state: 'active', createdAt: 0, joinedAt: 0 })

describe('the groups store\'s cache of groups, members and heads', () => {
  let dir: string
  let db: Database

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
  })

  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  it('answers what was last written, as a fresh store reading the disk does', async () => {
    const store = new GroupsStore(db)
    assert.equal(await store.member('g1', 'p'), undefined, 'absent before')
    assert.equal(await store.group('g1'), undefined)
    await store.batch([store.memberOp('g1', member('p', 'member')), store.groupOp(group('g1', 1))])
    assert.equal((await store.member('g1', 'p'))?.state, 'member', 'an absence read before is not kept past a write')
    await store.batch([store.memberOp('g1', member('p', 'removed')), store.groupOp(group('g1', 2))])
    const disk = new GroupsStore(db)
    for (const s of [store, disk]) {
      assert.equal((await s.member('g1', 'p'))?.state, 'removed')
      assert.equal((await s.group('g1'))?.epoch, 2)
    }
    const rec = await store.group('g1')
    assert.throws(() => { (rec as any).epoch = 3 }, TypeError, 'what it hands out is frozen: no caller can change it for the others')
  })

  it('a read that began before a write does not leave the older value behind', async () => {
    const store = new GroupsStore(db)
    await store.batch([store.memberOp('g2', member('p', 'member'))])
    const fresh = new GroupsStore(db)
    // the read gets the old value from disk but answers only after the write is done
    let release = (): void => {}
    const held = new Promise<void>(resolve => { release = resolve })
    const get = fresh.members.get.bind(fresh.members)
    ;(fresh.members as any).get = async (key: string) => { const value = await get(key); await held; return value }
    const reading = fresh.member('g2', 'p')
    await new Promise(resolve => setTimeout(resolve, 50))
    await fresh.batch([fresh.memberOp('g2', member('p', 'left'))])
    release()
    assert.equal((await reading)?.state, 'member', 'the slow read answers what it read')
    ;(fresh.members as any).get = get
    assert.equal((await fresh.member('g2', 'p'))?.state, 'left', 'the next read answers the write')
  })

  it('lists its groups from memory once read, in step with every write', async () => {
    const store = new GroupsStore(db)
    let iterators = 0
    const values = store.groups.values.bind(store.groups)
    ;(store.groups as any).values = (options?: any) => { iterators++; return values(options) }
    const ids = async (s: GroupsStore): Promise<string[]> => (await s.listGroups()).map(g => `${g.id}@${g.epoch}`).filter(g => g.startsWith('l')).sort()
    await store.batch([store.groupOp(group('l1', 1))])
    assert.deepEqual(await ids(store), ['l1@1'])
    assert.deepEqual(await ids(store), ['l1@1'])
    assert.equal(iterators, 1, 'the second listing is answered from memory')
    await store.batch([store.groupOp(group('l2', 1)), store.groupOp(group('l1', 2))])
    assert.deepEqual(await ids(store), ['l1@2', 'l2@1'], 'a group added or changed is listed as written')
    await store.batch([{ type: 'del', sublevel: store.groups, key: 'l2' }])
    assert.deepEqual(await ids(store), ['l1@2'], 'a group deleted is gone from the list')
    assert.deepEqual(await ids(new GroupsStore(db)), await ids(store), 'the same as a fresh store reading the disk')
    assert.equal(iterators, 1)
    const [listed] = (await store.listGroups()).filter(g => g.id === 'l1')
    assert.throws(() => { (listed as any).epoch = 3 }, TypeError, 'what it lists is frozen')
  })
})
