/**
 * libp2p's peer store in the encrypted profile database against datastore-level in a plain
 * directory (what it was before), in the same run, rounds alternating: a peer written by
 * libp2p's own peer store (merge: 3 addresses and a tag), and what a start does with it (open
 * the store, read every peer back). Also the compaction after disappearing messages expire: one
 * conversation's messages deleted in one batch as the sweep does, then compacted, against that
 * delete batch alone. And the rewrite libp2p makes on every stream, with the peer record cache
 * against without it.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { persistentPeerStore } from '@libp2p/peer-store'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { openDatabase, type Database } from '../node/store/database.ts'
import { EncryptedDatastore } from '../node/store/libp2p-datastore.ts'
import { messageKey, MessagesStore, type MessageRecord } from '../node/store/messages-store.ts'
import { removeDir, tempDir } from '../test/fixtures/temp-dir.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import type { PeerId } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'

const ROUNDS = 4
const CONVERSATIONS = 10

interface Timings { writeUs: number, startMs: number }
interface Rewrites { cachedUs: number, uncachedUs: number, skipped: number }

function events (): any {
  const e = new EventEmitter() as any
  e.safeDispatchEvent = () => true
  return e
}

async function peerRound (peers: PeerId[], self: PeerId, encrypted: boolean): Promise<Timings> {
  const dir = await tempDir('hyphae-bench-peers-')
  const key = randomBytes(32)
  let db: Database | undefined
  let plain: LevelDatastore | undefined
  const open = async (): Promise<Datastore> => {
    if (encrypted) {
      db = await openDatabase(dir, 'db', key)
      return new EncryptedDatastore(db)
    }
    plain = new LevelDatastore(join(dir, 'libp2p'))
    await plain.open()
    return plain
  }
  const close = async (): Promise<void> => {
    await db?.close()
    await plain?.close()
    db = undefined
    plain = undefined
  }
  try {
    const store = persistentPeerStore({ peerId: self, datastore: await open(), events: events(), logger: defaultLogger() } as any)
    let t0 = performance.now()
    for (const [i, peer] of peers.entries()) {
      await store.merge(peer, {
        multiaddrs: [multiaddr(`/ip4/10.0.${i >> 8}.${i & 255}/tcp/4001`), multiaddr(`/ip4/10.0.${i >> 8}.${i & 255}/tcp/4002/ws`), multiaddr(`/ip4/192.0.2.1/tcp/4001/p2p/${self.toString()}/p2p-circuit`)],
        tags: { 'keep-alive': { value: 50 } }
      })
    }
    const writeUs = (performance.now() - t0) * 1000 / peers.length
    await close()
    t0 = performance.now()
    const again = persistentPeerStore({ peerId: self, datastore: await open(), events: events(), logger: defaultLogger() } as any)
    const all = await again.all()
    const startMs = performance.now() - t0
    if (all.length !== peers.length) throw new Error(`read ${all.length} of ${peers.length} peers back`)
    return { writeUs, startMs }
  } finally {
    await close().catch(() => {})
    await removeDir(dir)
  }
}

/**
 * What libp2p does on every stream it opens or accepts: merge the protocol into the remote
 * peer's record, which already has it. Encrypted store with the peer record cache against the
 * same store without it (every rewrite read and written), alternating over the same peers.
 */
async function rewriteRound (peers: PeerId[], self: PeerId): Promise<Rewrites> {
  const dir = await tempDir('hyphae-bench-rewrites-')
  const db = await openDatabase(dir, 'db', randomBytes(32))
  try {
    const cached = new EncryptedDatastore(db)
    const stores = {
      cached: persistentPeerStore({ peerId: self, datastore: cached, events: events(), logger: defaultLogger() } as any),
      uncached: persistentPeerStore({ peerId: self, datastore: new EncryptedDatastore(db, { peerCache: false }), events: events(), logger: defaultLogger() } as any)
    }
    for (const [i, peer] of peers.entries()) {
      await stores.cached.merge(peer, { multiaddrs: [multiaddr(`/ip4/10.0.${i >> 8}.${i & 255}/tcp/4001`)], protocols: ['/ipfs/ping/1.0.0'] })
    }
    const spent = { cached: 0, uncached: 0 }
    for (const kind of ['uncached', 'cached', 'uncached', 'cached'] as const) {
      const t0 = performance.now()
      for (const peer of peers) await stores[kind].merge(peer, { protocols: ['/ipfs/ping/1.0.0'] })
      spent[kind] += performance.now() - t0
    }
    const each = (ms: number): number => ms * 1000 / (2 * peers.length)
    return { cachedUs: each(spent.cached), uncachedUs: each(spent.uncached), skipped: cached.peers?.skipped ?? 0 }
  } finally {
    await db.close()
    await removeDir(dir)
  }
}

function message (i: number): MessageRecord {
  const conversation = `12D3KooWConversation${(i % CONVERSATIONS).toString().padStart(4, '0')}xxxxxxxxxxxxxxxxxxxxxx`
  return { id: randomBytes(16).toString('hex'), conversation, direction: 'in', body: `message ${i}: ${'lorem ipsum '.repeat(8)}`, lamport: i + 1, sentAt: Date.now(), storedAt: Date.now(), status: 'received' }
}

/** ms to delete one conversation in one batch, and to compact after it. */
async function compactRound (n: number): Promise<{ deleteMs: number, compactMs: number }> {
  const dir = await tempDir('hyphae-bench-compact-')
  const db = await openDatabase(dir, 'db', randomBytes(32))
  try {
    const store = new MessagesStore(db)
    const records = Array.from({ length: n }, (_, i) => message(i))
    for (let i = 0; i < n; i += 500) await store.batch(records.slice(i, i + 500).flatMap(r => store.putOps(r, r.lamport)))
    const gone = records.filter(r => r.conversation === records[0].conversation)
    let t0 = performance.now()
    await store.batch(gone.flatMap(r => [
      { type: 'del' as const, sublevel: store.messages, key: messageKey(r.conversation, r.lamport, r.id) },
      { type: 'del' as const, sublevel: store.byId, key: r.id }
    ]))
    const deleteMs = performance.now() - t0
    t0 = performance.now()
    await db.compact()
    return { deleteMs, compactMs: performance.now() - t0 }
  } finally {
    await db.close()
    await removeDir(dir)
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const n = ctx.quick ? 200 : 1_000
  const messages = ctx.quick ? 2_000 : 20_000
  const self = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const peers = await Promise.all(Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
  const plain: Timings[] = []
  const enc: Timings[] = []
  const compaction: Array<{ deleteMs: number, compactMs: number }> = []
  const rewrites: Rewrites[] = []
  for (let i = 0; i < ROUNDS; i++) {
    ctx.log(`round ${i + 1}/${ROUNDS}: ${n} peers, plain then encrypted; ${messages} messages compacted`)
    plain.push(await peerRound(peers, self, false))
    enc.push(await peerRound(peers, self, true))
    compaction.push(await compactRound(messages))
    rewrites.push(await rewriteRound(peers, self))
  }
  const pick = (ts: Timings[], k: keyof Timings): number => median(ts.map(t => t[k]))
  return {
    figures: [
      figure({ name: 'peer store write (merge: 3 addrs, a tag)', unit: 'µs', value: pick(enc, 'writeUs'), baseline: 'datastore-level, plain dir', baselineValue: pick(plain, 'writeUs'), better: 'lower', n }),
      figure({ name: 'open the store and load every peer (a start)', unit: 'ms', value: pick(enc, 'startMs'), baseline: 'datastore-level, plain dir', baselineValue: pick(plain, 'startMs'), better: 'lower', n }),
      figure({ name: 'merge a protocol the record has (each stream libp2p opens)', unit: 'µs', value: median(rewrites.map(r => r.cachedUs)), baseline: 'encrypted, no peer record cache', baselineValue: median(rewrites.map(r => r.uncachedUs)), better: 'lower', n }),
      figure({ name: `compact after 1 of ${CONVERSATIONS} conversations expires`, unit: 'ms', value: median(compaction.map(c => c.compactMs)), baseline: 'the delete batch alone', baselineValue: median(compaction.map(c => c.deleteMs)), better: 'lower', n: messages })
    ],
    details: { peers: n, messages, rounds: ROUNDS, plain, encrypted: enc, compaction, rewrites },
    notes: ['medians of the rounds; each round is a fresh database, plain and encrypted alternating']
  }
}

export const bench: Bench = {
  name: 'peer-store',
  description: 'libp2p\'s peer store encrypted in the profile db vs datastore-level in plain; compaction after expiry',
  tags: ['store'],
  run
}
