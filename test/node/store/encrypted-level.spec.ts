import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { Level } from 'level'
import { CorruptStoreError } from '../../../node/errors.ts'
import { EncryptedLevel, StoreCipher } from '../../../node/store/encrypted-level.ts'
import { encryptedDatabase, openDatabase, openLevel } from '../../../node/store/database.ts'
import { KeyNames } from '../../../node/store/key-names.ts'
import { messageKey } from '../../../node/store/messages-store.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'

const PEERS = ['12D3KooWPeerAlphaAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '12D3KooWPeerBravoBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB', '12D3KooWPeerCharlieCCCCCCCCCCCCCCCCCCCCCCCCCCCC']

/** a plain level or the encrypted one: the same sublevel API */
interface AnyLevel { sublevel: (...args: any[]) => any, batch: (...args: any[]) => Promise<void> }

/** Every byte of every file under `dir`. */
async function allBytes (dir: string): Promise<Buffer> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true })
  return Buffer.concat(await Promise.all(files.filter(f => f.isFile()).map(async f => readFile(join(f.parentPath, f.name)))))
}

/** The same entries in a plain and an encrypted store: what the stores write (see messages-store.ts). */
async function fill (db: AnyLevel): Promise<void> {
  const messages = db.sublevel('messages', { valueEncoding: 'json' })
  const ids = db.sublevel('message-ids', { valueEncoding: 'json' })
  const ops: any[] = []
  for (const peer of PEERS) {
    for (let lamport = 1; lamport <= 30; lamport++) {
      const id = `id-${peer.slice(-3)}-${lamport}`
      ops.push({ type: 'put', sublevel: messages, key: messageKey(peer, lamport, id), value: { body: `secret body ${peer} ${lamport}` } })
      ops.push({ type: 'put', sublevel: ids, key: id, value: messageKey(peer, lamport, id) })
    }
  }
  await db.batch(ops)
}

/** The range reads the stores make, answered by `db`. */
async function answers (db: AnyLevel): Promise<unknown[]> {
  const messages = db.sublevel('messages', { valueEncoding: 'json' })
  const ids = db.sublevel('message-ids', { valueEncoding: 'json' })
  const out: unknown[] = []
  for (const peer of PEERS) {
    out.push(await messages.values({ gt: `${peer}!`, lt: `${peer}!~`, reverse: true, limit: 7 }).all())
    out.push(await messages.iterator({ gt: `${peer}!${'12'.padStart(16, '0')}!~`, lt: `${peer}!~`, limit: 5 }).all())
    out.push(await messages.keys({ gte: messageKey(peer, 3, `id-${peer.slice(-3)}-3`), lte: messageKey(peer, 9, `id-${peer.slice(-3)}-9`) }).all())
    out.push(await ids.get(`id-${peer.slice(-3)}-17`))
  }
  out.push((await messages.keys().all()).sort())
  out.push((await ids.iterator().all()).sort())
  return out
}

describe('the encrypted level store', () => {
  const dirs: string[] = []
  const open: Array<{ close: () => Promise<void> }> = []
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close().catch(() => {})
    for (const dir of dirs.splice(0)) await removeDir(dir)
  })
  async function fresh (): Promise<string> {
    const dir = await tempDir('hyphae-enc-')
    dirs.push(dir)
    return dir
  }

  it('answers every range read the stores make exactly as plain level does', async () => {
    const plain = new Level<string, Uint8Array>(join(await fresh(), 'plain'), { valueEncoding: 'view' })
    open.push(plain)
    const db = await openDatabase(await fresh(), 'db', randomBytes(32))
    open.push(db)
    await fill(plain)
    await fill(db)
    assert.deepEqual(await answers(db), await answers(plain))
    // getSync, which the messages store uses for hot reads
    const ids = db.sublevel('message-ids', { valueEncoding: 'json' })
    await ids.open()
    assert.equal(ids.getSync(`id-${PEERS[0].slice(-3)}-4`), messageKey(PEERS[0], 4, `id-${PEERS[0].slice(-3)}-4`))
  })

  it('writes no key name, peer id or value in the clear', async () => {
    const dir = await fresh()
    const db = await openDatabase(dir, 'db', randomBytes(32))
    await fill(db)
    await db.close()
    const bytes = await allBytes(join(dir, 'db'))
    for (const needle of [...PEERS, 'secret body', 'messages', 'message-ids', 'id-AAA']) {
      assert.equal(bytes.indexOf(needle), -1, `found ${needle} on disk`)
    }
  })

  it('compact() takes deleted and overwritten values out of the files, wherever LevelDB put them', async () => {
    const dir = await fresh()
    const db = await openDatabase(dir, 'db', randomBytes(32))
    open.push(db)
    await fill(db)
    const sealedAt = async (key: string): Promise<Buffer> => Buffer.from((await db.inner.get((db as any).cipher.names.key(key)))!.subarray(-48))
    const onDisk = async (needle: Buffer): Promise<boolean> => (await allBytes(join(dir, 'db'))).indexOf(needle) !== -1
    const messages = db.sublevel<string, any>('messages', { valueEncoding: 'json' })
    const keys = await messages.keys().all()

    // never compacted: the value and its delete are flushed together, to a file nothing is above
    await messages.put('recent', { body: 'written and deleted before any compaction' })
    const recent = await sealedAt('!messages!recent')
    await messages.del('recent')
    assert.equal(await onDisk(recent), true, 'in the log before')
    await db.compact()
    assert.equal(await onDisk(recent), false, 'a value deleted before the first compaction is gone after it')

    // deep in the tables now: one deleted, one overwritten
    const deleted = await sealedAt(`!messages!${keys[0]}`)
    const overwritten = await sealedAt(`!messages!${keys[1]}`)
    await messages.del(keys[0])
    await messages.put(keys[1], { body: 'newer' })
    assert.equal(await onDisk(deleted), true)
    assert.equal(await onDisk(overwritten), true)
    await db.compact()
    assert.equal(await onDisk(deleted), false, 'a deleted value is gone')
    assert.equal(await onDisk(overwritten), false, 'an overwritten value is gone')
    assert.deepEqual(await messages.get(keys[1]), { body: 'newer' })
    assert.equal((await messages.keys().all()).length, keys.length - 1)
    assert.ok((await db.keys().all()).length > 0, 'the store still reads (no bound left behind)')
  })

  it('writes a batch as one batch below', async () => {
    const db = await openDatabase(await fresh(), 'db', randomBytes(32))
    open.push(db)
    const batches: number[] = []
    const inner = db.inner
    const original = inner.batch.bind(inner) as (ops: any[]) => Promise<void>
    ;(inner as any).batch = async (ops: any[]) => { batches.push(ops.length); throw new Error('disk full') }
    await assert.rejects(fill(db), /disk full/)
    assert.deepEqual(batches, [PEERS.length * 30 * 2])
    ;(inner as any).batch = original
    assert.deepEqual(await db.sublevel('messages').keys().all(), [], 'nothing of the failed batch is there')
  })

  it('refuses a tampered value, a value moved to another key, and a deleted one stays deleted', async () => {
    const db = await openDatabase(await fresh(), 'db', randomBytes(32))
    open.push(db)
    const sub = db.sublevel<string, string>('s', { valueEncoding: 'json' })
    await sub.put('a', 'alpha')
    await sub.put('b', 'bravo')
    const raw = (await db.inner.iterator({ gt: EncryptedLevel.marker() }).all())
    assert.equal(raw.length, 2)
    const [[keyA, valueA], [keyB, valueB]] = raw
    // moved: each value under the other's name
    await db.inner.batch([{ type: 'put', key: keyA, value: valueB }, { type: 'put', key: keyB, value: valueA }])
    await assert.rejects(sub.get('a'), CorruptStoreError)
    assert.throws(() => sub.getSync('b'), CorruptStoreError)
    await assert.rejects(sub.values().all(), (err: any) => err instanceof CorruptStoreError || err?.cause instanceof CorruptStoreError)
    // one flipped bit
    const flipped = Uint8Array.from(valueA)
    flipped[flipped.length - 1] ^= 1
    await db.inner.put(keyA, flipped)
    await assert.rejects(sub.get('a'), CorruptStoreError)
    await sub.del('a')
    assert.equal(await sub.get('a'), undefined)
  })

  it('never seals two values under one nonce, in one open or across two', () => {
    const key = randomBytes(32)
    const value = new TextEncoder().encode('same value')
    const nonces = new Set<string>()
    for (const cipher of [new StoreCipher(key, 'x'), new StoreCipher(key, 'x')]) {
      for (let i = 0; i < 1000; i++) nonces.add(Buffer.from(cipher.seal('k', 'k', value).subarray(1, 25)).toString('hex'))
    }
    assert.equal(nonces.size, 2000)
  })

  it('names a key as profiles already on disk have it: each named segment HMAC-SHA256, 16 bytes in hex', () => {
    const secret = randomBytes(32)
    const names = new KeyNames(secret)
    const hmacOf = (segment: string): string => createHmac('sha256', secret).update(segment).digest().subarray(0, 16).toString('hex')
    const group = 'a1'.repeat(16)
    assert.equal(names.key(`!gmsg!${group}!0000000000000042!${PEERS[0]}`), `!${hmacOf('gmsg')}!${hmacOf(group)}!0000000000000042!${hmacOf(PEERS[0])}`)
    // and again from its cache, and for a range's upper sentinel
    assert.equal(names.key(`!gmsg!${group}!~`), `!${hmacOf('gmsg')}!${hmacOf(group)}!~`)
  })

  it('refuses another data key and leaves the store as it was', async () => {
    const dir = await fresh()
    const key = randomBytes(32)
    const db = await openDatabase(dir, 'db', key)
    await fill(db)
    await db.close()
    await assert.rejects(openDatabase(dir, 'db', randomBytes(32)), (err: Error) => {
      assert.ok(err instanceof CorruptStoreError, err.message)
      assert.match(err.message, /data key/)
      return true
    })
    const again = await openDatabase(dir, 'db', key)
    open.push(again)
    const plain = new Level<string, Uint8Array>(join(await fresh(), 'plain'), { valueEncoding: 'view' })
    open.push(plain)
    await fill(plain)
    assert.deepEqual(await answers(again), await answers(plain))
  })

  it('encrypts a plaintext profile from before in place on first open', async () => {
    const dir = await fresh()
    const old = await openLevel(dir, 'db')
    await fill(old)
    await old.close()
    assert.notEqual((await allBytes(join(dir, 'db'))).indexOf(PEERS[1]), -1, 'the old store is plaintext')

    const inner = await openLevel(dir, 'db')
    const db = await encryptedDatabase(inner, randomBytes(32))
    const plain = new Level<string, Uint8Array>(join(await fresh(), 'plain'), { valueEncoding: 'view' })
    open.push(plain)
    await fill(plain)
    assert.deepEqual(await answers(db), await answers(plain))
    await db.close()
    const bytes = await allBytes(join(dir, 'db'))
    for (const needle of [...PEERS, 'secret body']) assert.equal(bytes.indexOf(needle), -1, `${needle} is still on disk`)
  })

  it('finishes or discards a migration a crash cut short, and loses nothing', async () => {
    const key = randomBytes(32)
    // a plaintext store, and the encrypted copy the migration makes of it
    const source = await fresh()
    const old = await openLevel(source, 'db')
    await fill(old)
    await old.close()
    const done = await fresh()
    await cp(join(source, 'db'), join(done, 'db'), { recursive: true })
    await (await encryptedDatabase(await openLevel(done, 'db'), key)).close()
    const plain = new Level<string, Uint8Array>(join(await fresh(), 'plain'), { valueEncoding: 'view' })
    open.push(plain)
    await fill(plain)
    const expected = await answers(plain)

    // crashed between the two renames: no db/, the plaintext and the complete copy beside it
    const between = await fresh()
    await cp(join(source, 'db'), join(between, 'db.plaintext'), { recursive: true })
    await cp(join(done, 'db'), join(between, 'db.encrypted'), { recursive: true })
    let db = await openDatabase(between, 'db', key)
    assert.deepEqual(await answers(db), expected)
    await db.close()
    assert.deepEqual((await readdir(between)).sort(), ['db'])
    for (const needle of [...PEERS, 'secret body']) assert.equal((await allBytes(between)).indexOf(needle), -1, `${needle} is still on disk`)

    // crashed before: db/ still plaintext, a copy being written (db.new) or complete (db.encrypted)
    for (const leftover of ['db.new', 'db.encrypted']) {
      const before = await fresh()
      await cp(join(source, 'db'), join(before, 'db'), { recursive: true })
      await mkdir(join(before, leftover))
      await writeFile(join(before, leftover, '000001.log'), 'half written')
      db = await openDatabase(before, 'db', key)
      assert.deepEqual(await answers(db), expected, leftover)
      await db.close()
      assert.deepEqual((await readdir(before)).sort(), ['db'], leftover)
      for (const needle of [...PEERS, 'secret body']) assert.equal((await allBytes(before)).indexOf(needle), -1, `${needle} is still on disk (${leftover})`)
    }
  })
})
