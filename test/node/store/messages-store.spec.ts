import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { BatchQueue } from '../../../node/store/batch-queue.ts'
import { MessagesStore, type MessageRecord } from '../../../node/store/messages-store.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'

function outgoing (i: number): MessageRecord {
  return { id: i.toString(16).padStart(32, '0'), conversation: 'peer', direction: 'out', body: `m${i}`, lamport: i, sentAt: i, storedAt: i, status: 'queued' }
}

describe('messages store on a real LevelDB', () => {
  let dir: string
  let db: Database
  let writes: number[]
  let store: MessagesStore

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    writes = []
    // count the database's own batch calls
    const batch = db.batch.bind(db) as (ops: any[]) => Promise<void>
    ;(db as any).batch = async (ops: any[]) => { writes.push(ops.length); await batch(ops) }
    store = new MessagesStore(db)
  })

  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  it('writes concurrent batches together, each readable once its promise resolves, in order', async () => {
    writes.length = 0
    const records = Array.from({ length: 200 }, (_, i) => outgoing(i + 1))
    await Promise.all(records.map(async r => {
      await store.batch(store.putOps(r, r.lamport))
      // resolved means on disk
      assert.equal((await store.get(r.id))?.body, r.body)
    }))
    assert.equal(writes.reduce((a, b) => a + b, 0), 200 * 3, 'every operation written once')
    assert.ok(writes.length < 20, `200 concurrent batches in ${writes.length} writes`)
    assert.equal(await store.clock('peer'), 200, 'the clock written last is the highest (batches keep their order)')
    assert.deepEqual((await store.list('peer', { limit: 1000 })).map(m => m.body), records.map(r => r.body))
  })

  it('a lone batch is written at once, on its own', async () => {
    writes.length = 0
    await store.batch(store.putOps(outgoing(1000), 1000))
    assert.deepEqual(writes, [3])
  })

  it('a batch the database refuses fails alone; the others written with it succeed', async () => {
    const good = [outgoing(2001), outgoing(2002), outgoing(2003)]
    const bad = [{ type: 'put' as const, sublevel: store.messages, key: null as any, value: outgoing(2004) }]
    const results = await Promise.allSettled([
      store.batch(store.putOps(good[0], 2001)),
      store.batch(store.putOps(good[1], 2002)),
      store.batch(bad),
      store.batch(store.putOps(good[2], 2003))
    ])
    assert.deepEqual(results.map(r => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    for (const r of good) assert.equal((await store.get(r.id))?.body, r.body)
  })

  it('a read receipt and the ack of the same message, at the same time: it ends up read', async () => {
    for (let i = 0; i < 20; i++) {
      const r = outgoing(3000 + i)
      await store.batch(store.putOps(r, r.lamport))
      const [[read], [delivered]] = await Promise.all([store.updateStatus([{ id: r.id, status: 'read', change: { readAt: 1 } }]), store.updateStatus([{ id: r.id, status: 'delivered' }])])
      assert.equal(read, true)
      assert.equal(delivered, false, 'delivered comes after read: no change')
      assert.equal((await store.get(r.id))?.status, 'read')
    }
  })
})

describe('BatchQueue', () => {
  it('keeps the order of batches across groups and never exceeds maxOps in one write', async () => {
    const written: number[][] = []
    let release: (() => void) | undefined
    const queue = new BatchQueue<number>(async ops => {
      written.push(ops)
      if (written.length === 1) await new Promise<void>(resolve => { release = resolve })
    }, 5)
    const done = [queue.batch([1]), queue.batch([2, 3]), queue.batch([4, 5, 6]), queue.batch([7]), queue.batch([8, 9])]
    release?.()
    await Promise.all(done)
    assert.deepEqual(written, [[1], [2, 3, 4, 5, 6], [7, 8, 9]])
  })
})
