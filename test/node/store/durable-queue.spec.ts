import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, afterEach, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { DurableQueue, QueueStore, type RoundOutcome } from '../../../node/store/durable-queue.ts'
import { waitFor } from '../../fixtures/index.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'
import type { Logger } from '@libp2p/interface'

/** a round that throws is logged: this one keeps what it was told */
const logged: string[] = []
const log = Object.assign((): void => {}, { error: (format: string): void => { logged.push(format) }, trace: (): void => {}, enabled: false }) as unknown as Logger
const BACKOFF = { minMs: 20, maxMs: 40 }

describe('the durable keyed queue both outboxes use', () => {
  let dir: string
  let db: Database
  let n = 0
  const queues: DurableQueue[] = []

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
  })

  afterEach(async () => {
    for (const q of queues.splice(0)) { q.stop(); await q.drained() }
  })

  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  /** A queue on a fresh sublevel whose rounds call `round`. */
  function queue (round: (owner: string, store: QueueStore) => Promise<RoundOutcome>, backoff = BACKOFF): DurableQueue {
    const store = new QueueStore(db, `q${n++}`)
    const q = new DurableQueue({ store, round: async owner => round(owner, store), backoff, log })
    queues.push(q)
    return q
  }

  it('keeps each owner\'s entries in the order written, across a new store on the same data', async () => {
    const store = new QueueStore(db, 'ordered')
    const keys = Array.from({ length: 5 }, (_, i) => store.nextKey('peer', `id${i}`))
    await db.batch(keys.reverse().map(k => store.putOp(k, new Uint8Array([1]))) as any)
    await db.batch([store.putOp(store.nextKey('other', 'x'), new Uint8Array([2]))] as any)
    const reopened = new QueueStore(db, 'ordered')
    assert.deepEqual((await reopened.entries('peer', 10)).map(e => QueueStore.idOf(e.key)), ['id0', 'id1', 'id2', 'id3', 'id4'])
    assert.deepEqual((await reopened.owners()).sort(), ['other', 'peer'])
    assert.equal(await reopened.size('peer'), 5)
    assert.equal(await reopened.size(), 6)
    assert.ok(reopened.nextKey('peer', 'later') > keys[0], 'a later key sorts after every earlier one')
  })

  it('start() runs every owner with entries; a round taking its entries off empties it', async () => {
    const rounds: string[] = []
    const q = queue(async (owner, store) => {
      rounds.push(owner)
      const entries = await store.entries(owner, 100)
      await db.batch(entries.map(e => store.deleteOp(e.key)) as any)
      return 'done'
    })
    await db.batch(['a', 'b', 'a'].map(o => q.store.putOp(q.store.nextKey(o, 'm'), new Uint8Array())) as any)
    await q.start()
    await waitFor(async () => (await q.store.size()) === 0, { message: 'both owners emptied' })
    await q.drained()
    assert.deepEqual(rounds.sort(), ['a', 'b'])
  })

  it('one round at a time per owner: kicks during a round make exactly one more round', async () => {
    let running = 0
    let most = 0
    let rounds = 0
    let release: (() => void) | undefined
    const q = queue(async () => {
      rounds++
      running++
      most = Math.max(most, running)
      if (rounds === 1) await new Promise<void>(resolve => { release = resolve })
      running--
      return 'done'
    })
    q.kick('peer')
    await waitFor(() => release != null, { message: 'the first round to start' })
    q.kick('peer')
    q.kick('peer')
    q.kick('peer')
    release?.()
    await q.drained()
    assert.equal(rounds, 2)
    assert.equal(most, 1)
  })

  it('retries a failed (or throwing) round with backoff until it succeeds', async () => {
    const outcomes: Array<RoundOutcome | Error> = ['retry', new Error('disk'), 'retry', 'done']
    let rounds = 0
    const q = queue(async () => {
      const next = outcomes[rounds++]
      if (next instanceof Error) throw next
      return next
    })
    q.kick('peer')
    await waitFor(() => rounds === 4, { message: () => `four rounds (${rounds})` })
    await q.drained()
    assert.equal(rounds, 4, 'no round after the one that succeeded')
    assert.equal(logged.length, 1, 'the round that threw is logged')
  })

  it('wake() runs only an owner waiting for a retry; "more" runs again at once', async () => {
    let rounds = 0
    const q = queue(async () => {
      rounds++
      if (rounds === 1) return 'more'
      return 'done'
    })
    q.wake('peer')
    assert.equal(rounds, 0, 'nothing waits for a retry: wake does nothing')
    q.kick('peer')
    await waitFor(() => rounds === 2, { message: 'a full batch runs a second round' })
    await q.drained()
    assert.equal(rounds, 2)

    let failing = 0
    // a long backoff: only wake can bring the second round in time
    const r = queue(async () => { failing++; return failing === 1 ? 'retry' : 'done' }, { minMs: 60_000, maxMs: 60_000 })
    r.kick('peer')
    await waitFor(() => failing === 1, { message: 'the first round' })
    await r.drained()
    r.wake('peer')
    await waitFor(() => failing === 2, { message: 'wake runs the owner waiting for its retry' })
  })

  it('a paced round goes on after the delay it asked for; stop() ends the waiting', async () => {
    let rounds = 0
    const q = queue(async () => (++rounds === 1 ? { after: 30 } : 'done'))
    q.kick('peer')
    await waitFor(() => rounds === 2, { message: 'the paced round resumes' })
    await q.drained()

    let stopped = 0
    const s = queue(async () => { stopped++; return 'retry' })
    s.kick('peer')
    await waitFor(() => stopped === 1, { message: 'the first round' })
    s.stop()
    s.kick('peer')
    await s.drained()
    assert.equal(stopped, 1, 'no round after stop')
  })
})
