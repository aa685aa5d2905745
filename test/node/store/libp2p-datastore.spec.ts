import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { persistentPeerStore } from '@libp2p/peer-store'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Key } from 'interface-datastore'
import { Level } from 'level'
import { EventEmitter } from 'node:events'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { EncryptedDatastore, migratePlainDatastore } from '../../../node/store/libp2p-datastore.ts'
import { REWRITE_AFTER_MS } from '../../../node/store/peer-record-cache.ts'
import { PeerRecordTime } from '../../../node/pb/peer-record-time.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'

async function allBytes (dir: string): Promise<Buffer> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true })
  return Buffer.concat(await Promise.all(files.filter(f => f.isFile()).map(async f => readFile(join(f.parentPath, f.name)))))
}

async function collect<T> (it: AsyncIterable<T> | Iterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const PEER = 'bafzaajaiaejcbzdibmxyzdjbqvpjpgigs4ys6zqbnfbahjmqegbyewhfqchdfqyi'

describe('libp2p datastore in the encrypted profile database', () => {
  let dir: string
  let db: Database
  let store: EncryptedDatastore

  beforeEach(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    store = new EncryptedDatastore(db)
  })
  afterEach(async () => {
    await db.close()
    await removeDir(dir)
  })

  it('puts, gets, has, deletes; a missing key is NotFoundError', async () => {
    const key = new Key(`/peers/${PEER}`)
    await store.put(key, bytes('address book'))
    assert.deepEqual(await store.get(key), bytes('address book'))
    assert.equal(await store.has(key), true)
    await store.delete(key)
    assert.equal(await store.has(key), false)
    await assert.rejects(store.get(key), { name: 'NotFoundError' })
  })

  it('a prefix query finds exactly the keys under it, also a prefix that ends mid-namespace', async () => {
    const keys = [`/peers/${PEER}`, '/peers/other', '/peersx/1', '/dht/provider/abc/p1', '/dht/provider/abc/p2', '/dht/provider/abcd/p3', '/dht/record/xyz', '/12345', '/a!b/%21c']
    const b = store.batch()
    for (const k of keys) b.put(new Key(k), bytes(k))
    await b.commit()
    const under = async (prefix?: string): Promise<string[]> => (await collect(store.query({ prefix }))).map(p => p.key.toString()).sort()
    assert.deepEqual(await under('/peers/'), [`/peers/${PEER}`, '/peers/other'].sort())
    assert.deepEqual(await under('/peers'), [`/peers/${PEER}`, '/peers/other', '/peersx/1'].sort())
    assert.deepEqual(await under('/dht/provider/abc'), ['/dht/provider/abc/p1', '/dht/provider/abc/p2', '/dht/provider/abcd/p3'])
    assert.deepEqual(await under('/dht/provider/abc/'), ['/dht/provider/abc/p1', '/dht/provider/abc/p2'])
    assert.deepEqual(await under(), [...keys].sort())
    assert.deepEqual((await collect(store.queryKeys({ prefix: '/dht/' }))).map(k => k.toString()).sort(), ['/dht/provider/abc/p1', '/dht/provider/abc/p2', '/dht/provider/abcd/p3', '/dht/record/xyz'])
    for (const k of keys) assert.deepEqual(await store.get(new Key(k)), bytes(k), k)
  })

  it('filters, orders, offset and limit as datastore-core does', async () => {
    const b = store.batch()
    for (let i = 0; i < 10; i++) b.put(new Key(`/n/k${i}`), Uint8Array.of(i))
    await b.commit()
    const byValueDesc = (x: { value: Uint8Array }, y: { value: Uint8Array }): -1 | 0 | 1 => x.value[0] > y.value[0] ? -1 : x.value[0] < y.value[0] ? 1 : 0
    const got = await collect(store.query({ prefix: '/n/', filters: [p => p.value[0] % 2 === 0], orders: [byValueDesc], offset: 1, limit: 2 }))
    assert.deepEqual(got.map(p => p.value[0]), [6, 4])
    assert.deepEqual(await collect(store.query({ prefix: '/n/', limit: 0 })), [])
  })

  it('libp2p\'s peer store keeps peers across a reopen, and no peer id or address is on disk', async () => {
    const events = new EventEmitter() as any
    events.safeDispatchEvent = () => true
    const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const peerStore = persistentPeerStore({ peerId: self, datastore: store, events, logger: defaultLogger() } as any)
    await peerStore.merge(other, { multiaddrs: [multiaddr('/ip4/198.51.100.77/tcp/4711')], tags: { 'keep-alive-contact': { value: 50 } } })
    assert.equal((await peerStore.all()).length, 1)
    await db.close()
    const needles = [other.toString(), other.toMultihash().bytes, other.toCID().toString(), Buffer.from([198, 51, 100, 77]), '198.51.100.77', 'keep-alive-contact']
    const onDisk = await allBytes(dir)
    for (const needle of needles) assert.equal(onDisk.indexOf(needle), -1, `${String(needle)} is on disk`)
    await db.open()
    const again = persistentPeerStore({ peerId: self, datastore: new EncryptedDatastore(db), events, logger: defaultLogger() } as any)
    const peers = await again.all()
    assert.deepEqual(peers.map(p => p.id.toString()), [other.toString()])
    assert.deepEqual(peers[0].addresses.map(a => a.multiaddr.toString()), ['/ip4/198.51.100.77/tcp/4711'])
  })

  it('a peer rewrite that changes only its time is skipped for a minute; a real change is written', async (t) => {
    t.after(() => { mock.timers.reset() })
    mock.timers.enable({ apis: ['Date'], now: 1_800_000_000_000 })
    const events = new EventEmitter() as any
    events.safeDispatchEvent = () => true
    const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const peerStore = persistentPeerStore({ peerId: self, datastore: store, events, logger: defaultLogger() } as any)
    const onDisk = new EncryptedDatastore(db, { peerCache: false })
    const key = new Key(`/peers/${other.toCID().toString()}`)
    const updatedOnDisk = async (): Promise<number | undefined> => PeerRecordTime.decode(await onDisk.get(key)).updated

    await peerStore.merge(other, { multiaddrs: [multiaddr('/ip4/198.51.100.77/tcp/4711')], protocols: ['/ipfs/ping/1.0.0'] })
    const first = await updatedOnDisk()
    assert.equal(first, Date.now())
    mock.timers.tick(REWRITE_AFTER_MS - 1_000)
    // what libp2p does on every stream: merge a protocol the record already has
    await peerStore.merge(other, { protocols: ['/ipfs/ping/1.0.0'] })
    assert.equal(store.peers?.skipped, 1)
    assert.equal(await updatedOnDisk(), first, 'an unchanged record was written again')

    await peerStore.merge(other, { protocols: ['/hyphae/dm/1.0.0'] })
    assert.equal(await updatedOnDisk(), Date.now(), 'a new protocol was not written')
    assert.deepEqual((await peerStore.get(other)).protocols.sort(), ['/hyphae/dm/1.0.0', '/ipfs/ping/1.0.0'])

    const written = Date.now()
    mock.timers.tick(REWRITE_AFTER_MS)
    await peerStore.merge(other, { protocols: ['/ipfs/ping/1.0.0'] })
    assert.equal(await updatedOnDisk(), Date.now(), 'the time was not refreshed after a minute')
    assert.notEqual(Date.now(), written)
    assert.equal(store.peers?.skipped, 1)

    await peerStore.delete(other)
    await assert.rejects(onDisk.get(key), { name: 'NotFoundError' })
    await assert.rejects(peerStore.get(other), { name: 'NotFoundError' })
  })

  it('a plaintext libp2p/ from before is moved in and shredded', async () => {
    const location = join(dir, 'libp2p')
    const plain = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
    await plain.open()
    for (let i = 0; i < 1200; i++) await plain.put(`/peers/peer${i}`, bytes(`addresses of ${i}`))
    await plain.close()
    assert.equal(await migratePlainDatastore(location, store), 1200)
    await assert.rejects(stat(location), { code: 'ENOENT' })
    assert.equal((await collect(store.queryKeys({ prefix: '/peers/' }))).length, 1200)
    assert.deepEqual(await store.get(new Key('/peers/peer777')), bytes('addresses of 777'))
    assert.equal(await migratePlainDatastore(location, store), 0, 'nothing to move the second time')
  })

  it('a libp2p/ that does not open (a shred cut short) is shredded, the node starts without it', async () => {
    const location = join(dir, 'libp2p')
    const plain = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
    await plain.open()
    await plain.put('/peers/x', bytes('y'))
    await plain.close()
    await writeFile(join(location, 'CURRENT'), 'garbage\n')
    assert.equal(await migratePlainDatastore(location, store), 0)
    await assert.rejects(stat(location), { code: 'ENOENT' })
  })
})
