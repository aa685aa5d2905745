/**
 * `/hyphae/group-sync/2.0.0`: a member that comes back, or joins late, asks a connected member
 * for the group messages it missed. One stream per page: the asker writes a SyncRequest, the
 * responder answers with the page's items (each a message exactly as its author signed it, so
 * the asker checks every one itself) and one SyncEnd carrying a cursor when more follows.
 *
 * The protocol knows nothing of groups: the node layer decides who may read what
 * (`onRequest`) and what the items mean.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ ..., services: { groupSync: groupSync({ onRequest }) } })
 * const page = await node.services.groupSync.fetch(peerId, { group, epoch, proof, since: 0n, cursor: new Uint8Array(), limit: 256 })
 * ```
 */
import { GroupSyncService } from './sync.ts'
import type { SyncRequest, SyncStatus } from './pb/sync.ts'
import type { AbortOptions, ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

/** What the responder sends: the page's items, in order, or a refusal. */
export interface SyncAnswer {
  status: SyncStatus
  /** OK only: at most `request.limit` items (extra ones are not sent) */
  items?: Iterable<Uint8Array> | AsyncIterable<Uint8Array>
  /** OK only: where the next page starts, when there is one */
  cursor?: Uint8Array
  /** the responder's current epoch */
  epoch?: bigint
  /** OK only: the responder's proof of the same secret, the other way round (opaque here) */
  proof?: Uint8Array
}

/**
 * Decides what a peer may read. The request is well formed (sizes checked) but nothing in it
 * is verified: the handler checks the proof. Throwing answers UNAVAILABLE.
 */
export interface SyncRequestHandler {
  (from: PeerId, request: SyncRequest, options: AbortOptions): Promise<SyncAnswer> | SyncAnswer
}

export interface SyncPage {
  items: Uint8Array[]
  /** present when more history follows: pass it as `cursor` in the next request */
  cursor?: Uint8Array
  /** the responder's current epoch */
  epoch: bigint
  /** the responder's proof, when it sent one (not checked here) */
  proof?: Uint8Array
}

export interface GroupSync {
  readonly protocol: string

  /** Set by the node layer (or in init); with none, every request is answered UNAVAILABLE. */
  onRequest?: SyncRequestHandler

  /**
   * Asks `peer` for one page of history. Resolves with the items (unverified: the caller checks
   * each one). A refusal rejects with SyncRefusedError; no answer in time with SyncTimeoutError;
   * more items than asked for with TooManyItemsError, more than MAX_PAGE_BYTES with PageTooLargeError; a broken frame with MalformedSyncFrameError.
   */
  fetch(peer: PeerId, request: SyncRequest, options?: AbortOptions): Promise<SyncPage>
}

export interface GroupSyncInit {
  /** default PROTOCOL, '/hyphae/group-sync/2.0.0' */
  protocol?: string
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** ms one page may take when fetch() is given no signal (default TIMEOUT) */
  timeout?: number
  /** allow relayed connections with data limits (default false) */
  runOnLimitedConnection?: boolean
  onRequest?: SyncRequestHandler
}

/** The slices of libp2p's registrar and connection manager this protocol uses. */
export interface GroupSyncRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
}

export interface GroupSyncConnectionManager {
  openStream(peer: PeerId, protocol: string, options?: AbortOptions & { runOnLimitedConnection?: boolean }): Promise<Stream>
}

export interface GroupSyncComponents {
  registrar: GroupSyncRegistrar
  connectionManager: GroupSyncConnectionManager
  logger: ComponentLogger
}

export function groupSync (init: GroupSyncInit = {}): (components: GroupSyncComponents) => GroupSync {
  return (components) => new GroupSyncService(components, init)
}

export { GroupSyncService } from './sync.ts'
export { SyncRequest, SyncStatus, SyncFrame, SyncEnd } from './pb/sync.ts'
export * from './constants.ts'
export * from './errors.ts'
