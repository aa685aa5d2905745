/**
 * `/hyphae/mailbox/1.0.0`: envelopes for offline peers, left on a relay. The relay keeps
 * sealed DM envelopes (it checks their shape; it can neither read them nor tell who wrote them), hands
 * them to the recipient when it connects, and deletes each only after the recipient says it
 * stored it. A deposit must come from the envelope's author with an introduction for the
 * recipient (the proof of work a stranger pays, see protocols/dm/introduction.ts); TTL, quotas
 * per recipient, per depositor and in all, and a per-depositor rate limit bound what it keeps.
 * It also holds one prekey bundle per recipient (left by the recipient itself) for senders that
 * have none: a first message to someone offline can then be sealed and left here.
 */
import { MailboxService } from './mailbox.ts'
import type { AbortOptions, ComponentLogger, PeerId, PrivateKey, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

export interface StoredEnvelope {
  /** the envelope's message id, hex */
  id: string
  envelope: Uint8Array
  storedAt: number
  /** the depositor's peer id, who is also the envelope's author (given to put) */
  sender?: string
}

export interface Usage { messages: number, bytes: number }

/** Where a relay keeps mailboxes; node/ provides a level-backed one. */
export interface MailboxStore {
  /** false when the id is already held for that recipient */
  put (recipient: string, entry: StoredEnvelope): Promise<boolean>
  list (recipient: string, limit: number): Promise<StoredEnvelope[]>
  delete (recipient: string, ids: string[]): Promise<number>
  usage (recipient: string): Promise<Usage>
  /** what one depositor has waiting, over every recipient */
  depositorUsage (sender: string): Promise<Usage>
  /** everything the relay keeps */
  totalUsage (): Promise<Usage>
  /** drops envelopes stored before `olderThan`; returns how many */
  expire (olderThan: number): Promise<number>
  /** the recipient's prekey bundle, replacing the one held (one per recipient) */
  putPrekeys? (recipient: string, bundle: Uint8Array): Promise<void>
  getPrekeys? (recipient: string): Promise<Uint8Array | undefined>
}

export interface MailboxEvents {
  deposit: { recipient: string, bytes: number }
  refused: { reason: string }
  fetch: { recipient: string, count: number }
  delete: { recipient: string, count: number }
}

export interface Mailbox {
  readonly protocol: string
  /** Leaves an encoded envelope for `recipient` on `relay`. Rejects with MailboxRefusedError. */
  deposit (relay: PeerId, recipient: PeerId, envelope: Uint8Array, options?: AbortOptions): Promise<void>
  /** Fetches what waits for us on `relay`, oldest first. */
  fetch (relay: PeerId, options?: AbortOptions): Promise<{ envelopes: Uint8Array[], more: boolean }>
  /** Tells `relay` we stored these (hex ids): it deletes them. */
  delete (relay: PeerId, ids: string[], options?: AbortOptions): Promise<void>
  /** Leaves our prekey bundle on `relay`, for senders who have none of ours. */
  publishPrekeys (relay: PeerId, bundle: Uint8Array, options?: AbortOptions): Promise<void>
  /** The prekey bundle `relay` holds for `recipient`, if any (unchecked: libsignal checks it). */
  fetchPrekeys (relay: PeerId, recipient: PeerId, options?: AbortOptions): Promise<Uint8Array | undefined>
}

export interface MailboxInit {
  protocol?: string
  /** with a store this node serves mailboxes (a relay); without, it is a client only */
  store?: MailboxStore
  ttlMs?: number
  quotaMessages?: number
  quotaBytes?: number
  /** deposits per sender per minute */
  senderRate?: number
  depositorQuotaMessages?: number
  depositorQuotaBytes?: number
  totalQuotaMessages?: number
  totalQuotaBytes?: number
  /** leading zero bits asked of a deposit's introduction, and put into ours (default INTRODUCTION_BITS) */
  introductionBits?: number
  timeout?: number
  /** called once per served request, for logs and metrics */
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
