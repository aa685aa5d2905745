import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { LevelMailboxStore } from '../../../node/store/mailbox-store.ts'
import { removeDir, tempDir } from '../../fixtures/index.ts'

describe('a relay\'s mailbox store, version 2', () => {
  let dir: string
  let db: Database
  before(async () => {
    dir = await tempDir('hyphae-mailbox-store-')
    db = await openDatabase(dir, 'db', randomBytes(32))
  })
  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  it('drops what 1.0.0 kept by peer id at its first sweep, and keeps its own queues', async () => {
    const peer = '12D3KooWLegacyRecipientPeerIdxxxxxxxxxxxxxxxxxxxxxxxx'
    await db.sublevel<string, Uint8Array>('mailbox', { valueEncoding: 'view' }).put(`${peer}!0000000000000001!00`, new Uint8Array(8))
    await db.sublevel<string, string>('mailbox-ids', { valueEncoding: 'json' }).put(`${peer}!00`, 'x')
    await db.sublevel<string, Uint8Array>('mailbox-prekeys', { valueEncoding: 'view' }).put(peer, new Uint8Array(8))
    const store = new LevelMailboxStore(db)
    const queue = '11'.repeat(16)
    await store.putQueue(queue, { key: new Uint8Array(32), depositHash: new Uint8Array(32), seenAt: Date.now() })
    await store.put(queue, { id: 'aa'.repeat(16), envelope: new Uint8Array(1097), storedAt: Date.now(), expiresAt: Date.now() + 60_000 })
    await store.expire(0, Date.now(), 0)
    for (const name of ['mailbox', 'mailbox-ids', 'mailbox-prekeys']) {
      assert.deepEqual(await db.sublevel(name).keys().all(), [], `${name} is empty`)
    }
    assert.equal((await store.list(queue, 10)).length, 1)
    assert.equal(await store.queueCount(), 1)
  })

  it('a queue its owner has not fetched from since the idle limit goes, with what it held', async () => {
    const store = new LevelMailboxStore(db)
    const idle = '22'.repeat(16)
    await store.putQueue(idle, { key: new Uint8Array(32), depositHash: new Uint8Array(32), seenAt: 1000 })
    await store.put(idle, { id: 'bb'.repeat(16), envelope: new Uint8Array(1097), storedAt: Date.now(), expiresAt: Date.now() + 60_000 })
    await store.putPrekeys(idle, new Uint8Array(10))
    assert.equal(await store.queueCount(), 2)
    assert.equal(await store.expire(0, Date.now(), 2000), 1)
    assert.equal(await store.getQueue(idle), undefined)
    assert.equal(await store.getPrekeys(idle), undefined)
    assert.deepEqual(await store.list(idle, 10), [])
    assert.equal(await store.queueCount(), 1)
    assert.equal((await store.totalUsage()).messages, 1)
  })
})
