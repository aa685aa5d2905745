/**
 * `/hyphae/mailbox/2.0.0`: sealed envelopes for offline peers, left on a relay in queues. A
 * recipient opens a queue on each relay it chose: a random id, a per-queue Ed25519 key that signs
 * its fetches and deletes, and the hash of a deposit token it hands its contacts (in its invite,
 * then in an encrypted control message). A deposit names the queue and carries the token; the
 * box inside is sealed to the recipient with the sender's identity inside it (protocols/dm/sealed.ts)
 * and padded to a bucket. The relay thus keeps queue ids, key hashes and padded ciphertext: no
 * peer id of depositor or recipient, and logs none. TTL (and a deposit's own expiry), per-queue
 * quota and rate and a total cap bound what it keeps. It also holds one prekey bundle per queue,
 * left by its owner, for a contact that has a token but no session yet.
 *
 * `/hyphae/mailbox/1.0.0` (mailboxes by peer id) is answered UNAVAILABLE, and a 2.0.0 client
 * talking to a relay that speaks only 1.0.0 gets a LegacyMailboxError.
 */
import { MailboxService } from './mailbox.ts'
import type { AbortOptions, ComponentLogger, PeerId, PrivateKey, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

export interface StoredEnvelope {
  /** the relay's id for it, hex (a hash of the box) */
  id: string
  envelope: Uint8Array
  storedAt: number
  /** ms since the epoch after which it is dropped */
  expiresAt: number
}

export interface QueueRecord {
  /** the queue's Ed25519 public key, 32 bytes */
  key: Uint8Array
  /** SHA-256 of the deposit token */
  depositHash: Uint8Array
  /** when the owner last opened or fetched (day precision: the relay needs no more) */
  seenAt: number
}

export interface Usage { messages: number, bytes: number }

/** Where a relay keeps its queues; node/ provides a level-backed one. Queues are hex ids. */
export interface MailboxStore {
  getQueue (queue: string): Promise<QueueRecord | undefined>
  putQueue (queue: string, record: QueueRecord): Promise<void>
  queueCount (): Promise<number>
  /** false when the id is already held in that queue */
  put (queue: string, entry: StoredEnvelope): Promise<boolean>
  list (queue: string, limit: number): Promise<StoredEnvelope[]>
  delete (queue: string, ids: string[]): Promise<number>
  usage (queue: string): Promise<Usage>
  /** everything the relay keeps */
  totalUsage (): Promise<Usage>
  /** drops envelopes stored before `olderThan` or past their own expiry at `now`, and queues idle since `idleSince`; returns how many envelopes */
  expire (olderThan: number, now: number, idleSince: number): Promise<number>
  /** drops a queue with its envelopes and prekeys; how many envelopes went */
  deleteQueue (queue: string): Promise<number>
  /** the owner's prekey bundle, replacing the one held (one per queue) */
  putPrekeys (queue: string, bundle: Uint8Array): Promise<void>
  getPrekeys (queue: string): Promise<Uint8Array | undefined>
}

export interface MailboxEvents {
  open: Record<string, never>
  deposit: { bytes: number }
  refused: { reason: string }
  fetch: { count: number }
  delete: { count: number }
}

/** What the owner of a queue holds: its id, its key and the token it hands out. */
export interface QueueKeys {
  id: Uint8Array
  key: PrivateKey
  token: Uint8Array
}

/** What a contact holds to deposit in a queue. */
export interface QueueRef {
  id: Uint8Array
  token: Uint8Array
}

export interface FetchedEnvelope {
  /** the relay's id, hex: what delete() takes */
  id: string
  envelope: Uint8Array
}

export interface FetchedMany {
  /** `queue`: hex, the queue it waits in */
  items: Array<FetchedEnvelope & { queue: string }>
  more: string[]
  denied: string[]
}

export interface Mailbox {
  readonly protocol: string
  /** Opens (or confirms) our queue on `relay`. */
  open (relay: PeerId, queue: QueueKeys, options?: AbortOptions): Promise<void>
  /** Leaves a sealed, padded box in a queue on `relay`. Rejects with MailboxRefusedError. */
  deposit (relay: PeerId, queue: QueueRef, envelope: Uint8Array, options?: AbortOptions & { expiresAt?: number }): Promise<void>
  /** Fetches what waits in our queue on `relay`, oldest first. */
  fetch (relay: PeerId, queue: QueueKeys, options?: AbortOptions): Promise<{ items: FetchedEnvelope[], more: boolean }>
  /** Tells `relay` we stored these (hex ids): it deletes them. */
  delete (relay: PeerId, queue: QueueKeys, ids: string[], options?: AbortOptions): Promise<void>
  /** Leaves our prekey bundle under our queue on `relay`. */
  publishPrekeys (relay: PeerId, queue: QueueKeys, bundle: Uint8Array, options?: AbortOptions): Promise<void>
  /** The prekey bundle the owner of the queue left on `relay`, if any (unchecked: libsignal checks it). */
  fetchPrekeys (relay: PeerId, queue: QueueRef, options?: AbortOptions): Promise<Uint8Array | undefined>
  /**
   * What waits in several of our queues on `relay`, in one request (each queue signed); the
   * queues with more waiting, and those the relay refused (forgotten, or never opened).
   */
  fetchMany (relay: PeerId, queues: QueueKeys[], options?: AbortOptions): Promise<FetchedMany>
  /** Drops our queue on `relay` with all it holds: its deposit token opens nothing any more. */
  close (relay: PeerId, queue: QueueKeys, options?: AbortOptions): Promise<void>
}

export interface MailboxInit {
  protocol?: string
  /** with a store this node serves mailboxes (a relay); without, it is a client only */
  store?: MailboxStore
  ttlMs?: number
  /** per queue */
  quotaMessages?: number
  quotaBytes?: number
  /** deposits per queue per minute */
  queueRate?: number
  totalQuotaMessages?: number
  totalQuotaBytes?: number
  maxQueues?: number
  timeout?: number
  /** called once per served request, for logs and metrics: never with a peer id */
  onEvent?: <K extends keyof MailboxEvents>(type: K, detail: MailboxEvents[K]) => void
}

export interface MailboxRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
}

export interface MailboxComponents {
  registrar: MailboxRegistrar
  connectionManager: { openStream(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream> }
  logger: ComponentLogger
  privateKey: PrivateKey
}

export function mailbox (init: MailboxInit = {}): (components: MailboxComponents) => Mailbox {
  return (components) => new MailboxService(components, init)
}

export { MailboxService } from './mailbox.ts'
export { MailboxStatus } from './pb/mailbox.ts'
export * from './constants.ts'
export * from './errors.ts'
