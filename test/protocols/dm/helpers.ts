import { randomUUID, randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify, type Identify } from '@libp2p/identify'
import { memory } from '@libp2p/memory'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { AckStatus, directMessages, openEnvelope, PROTOCOL, refusal, sealEnvelope, type DirectMessages, type DirectMessagesInit, type Envelope, type OpenedEnvelope } from '../../../protocols/dm/index.ts'
import { Ratchet } from '../../../node/direct/ratchet.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { waitFor } from '../../fixtures/wait-for.ts'
import type { Connection, PeerId, PrivateKey, Stream } from '@libp2p/interface'

/** one data key for every store here: a store reopened after a crash needs the same */
const DATA_KEY = randomBytes(32)

export interface DmNode {
  libp2p: Libp2p<{ identify: Identify, dm: DirectMessages }>
  key: PrivateKey
  dm: DirectMessages
  /** its Signal state, in a level database of its own */
  ratchet: Ratchet
  db: Database
  dir: string
  /** seals and opens run one at a time, as the node layer's lock makes them */
  queue: Promise<unknown>
}

/** A real node on @libp2p/memory (in-process, no sockets) with noise, yamux, identify and the dm service. */
export async function createDmNode (init: DirectMessagesInit = {}): Promise<DmNode> {
  const key = await generateKeyPair('Ed25519')
  const libp2p = await createLibp2p({
    privateKey: key,
    addresses: { listen: [`/memory/${randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), dm: directMessages(init) }
  })
  const dir = await tempDir('hyphae-dm-')
  const db: Database = await openDatabase(dir, 'db', DATA_KEY)
  const ratchet = new Ratchet(db, key)
  await ratchet.ready()
  return { libp2p, key, dm: libp2p.services.dm, ratchet, db, dir, queue: Promise.resolve() }
}

async function serially <T> (node: DmNode, task: () => Promise<T>): Promise<T> {
  const result = node.queue.then(task, task)
  node.queue = result.catch(() => {})
  return result
}

/** Opens an envelope with the node's ratchet and keeps the new state, as the node's inbox does. */
export async function open (node: DmNode, envelope: Envelope): Promise<OpenedEnvelope> {
  return serially(node, async () => {
    const tx = node.ratchet.transaction()
    const message = await openEnvelope(envelope, tx.stores, node.ratchet.me)
    await node.ratchet.store.db.batch(tx.ops() as any)
    return message
  })
}

/** A MessageHandler that opens each envelope and hands the message to `handler` (a refusal if it does not open). */
export function opening (node: DmNode, handler: (from: PeerId, message: OpenedEnvelope) => AckStatus | Promise<AckStatus>): (from: PeerId, envelope: Envelope) => Promise<AckStatus> {
  return async (from, envelope) => {
    let message: OpenedEnvelope
    try {
      message = await open(node, envelope)
    } catch (err: any) {
      return refusal(err)
    }
    return handler(from, message)
  }
}

/** Dials b from a and resolves once both ends have registered the connection. */
export async function connect (a: DmNode, b: DmNode): Promise<Connection> {
  const connection = await a.libp2p.dial(b.libp2p.getMultiaddrs())
  await until(() => b.libp2p.getConnections(a.libp2p.peerId).length > 0, 'the connection at the far end')
  return connection
}

/**
 * One after the other: when both ends of a connection carrying a stream stop at once, libp2p 3
 * spends ~500 ms in its connection manager's stop.
 */
export async function stopAll (...nodes: Array<DmNode | undefined>): Promise<void> {
  for (const node of nodes) {
    await node?.libp2p.stop()
    await node?.queue
    await node?.db.close()
    if (node != null) await removeDir(node.dir)
  }
}

/** Seals with `from`'s session with `to`, started (PQXDH) from `to`'s invite prekeys if need be. */
export async function seal (from: DmNode, to: DmNode, body: string, lamport = 1n): Promise<Envelope> {
  return serially(from, async () => {
    const tx = from.ratchet.transaction()
    const peer = to.libp2p.peerId.toString()
    if (!(await from.ratchet.hasSession(tx, peer))) await from.ratchet.startSession(tx, peer, await to.ratchet.inviteBundle())
    const envelope = await sealEnvelope({ sender: from.key.publicKey, recipient: peer, stores: tx.stores, lamport, body })
    await from.ratchet.store.db.batch(tx.ops() as any)
    return envelope
  })
}

export function dmStreams (connection: Connection): Connection['streams'] {
  return connection.streams.filter(s => s.protocol === PROTOCOL)
}

/** Resolves as soon as `condition()` holds (polled every few ms), or fails after `timeout`. */
export async function until (condition: () => boolean, what: string, timeout = 10_000): Promise<void> {
  await waitFor(condition, { message: what, timeout, interval: 5 })
}

/** Collects unhandled rejections while `fn` runs. */
export async function withRejectionWatch <T> (fn: () => Promise<T>): Promise<{ result: T, rejections: unknown[] }> {
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => { rejections.push(reason) }
  process.on('unhandledRejection', onRejection)
  try {
    const result = await fn()
    // give any stray rejection a turn to surface
    await new Promise(resolve => setImmediate(resolve))
    return { result, rejections }
  } finally {
    process.off('unhandledRejection', onRejection)
  }
}

/** Resolves once the stream has closed, whichever way (graceful, reset or aborted). */
export async function closed (stream: Stream): Promise<void> {
  if (stream.status !== 'open' && stream.status !== 'closing') return
  await new Promise<void>(resolve => { stream.addEventListener('close', () => { resolve() }, { once: true }) })
}
