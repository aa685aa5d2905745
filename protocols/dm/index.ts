/**
 * `/hyphae/dm/1.0.0`: direct messages between two peers over one long-lived stream per
 * direction. Envelopes are end-to-end encrypted with Signal's ratchet (see envelope.ts), so the
 * same bytes can later wait on a relay mailbox; the recipient acks each one only after storing it.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ ..., services: { dm: directMessages({ onMessage }) } })
 * const envelope = await sealEnvelope({ sender, recipient, stores, lamport: 1n, body: 'hi' })
 * const status = await node.services.dm.send(peerId, envelope)
 * ```
 */
import { DirectMessagesService } from './dm.ts'
import type { AckStatus, Envelope } from './pb/dm.ts'
import type { AbortOptions, ComponentLogger, PeerId, PrivateKey, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

/**
 * Decides what becomes of an envelope whose shape was checked and whose named author is the
 * peer that sent it: the handler opens it (the ratchet's state is the node's, written with the
 * message) and resolves STORED only once the message is durably written: the ack goes out after
 * this resolves. Throwing acks UNAVAILABLE.
 */
export interface MessageHandler {
  (from: PeerId, envelope: Envelope, context?: ReceiveContext): Promise<AckStatus> | AckStatus
}

export interface ReceiveContext {
  /** the stream carried a valid introduction from `from` (see introduction.ts) */
  introduced: boolean
  /** a message from `from` waits for an introduction: ask the sender for one */
  needIntroduction?: () => void
}

/**
 * Takes every envelope already read from one stream at once, in the order they were sent, and
 * resolves one status per envelope. Resolve STORED for a message only once it is durably written
 * (all of them in one batch, ideally, with the ratchet's state): the acks go out after this
 * resolves. Throwing acks them all UNAVAILABLE.
 */
export interface MessagesHandler {
  (from: PeerId, envelopes: Envelope[], context?: ReceiveContext): Promise<AckStatus[]> | AckStatus[]
}

export interface ReceiptHandler {
  (from: PeerId, ids: Uint8Array[]): Promise<void> | void
}

export interface DirectMessages {
  readonly protocol: string

  /** Set by the node layer (or in init); with none, every envelope is acked UNAVAILABLE. */
  onMessage?: MessageHandler
  /** Used instead of onMessage when set: several envelopes at once, so they can be stored in one write. */
  onMessages?: MessagesHandler
  onReceipt?: ReceiptHandler

  /**
   * Sends a sealed envelope on the long-lived stream to `peer` (opened on first use) and
   * resolves with STORED or DUPLICATE once the peer acks it. Any other status rejects with
   * PeerRefusedError; no ack in time with AckTimeoutError; a dead stream with ChannelClosedError.
   */
  send(peer: PeerId, envelope: Envelope, options?: AbortOptions): Promise<AckStatus>

  /** Tells `peer` these message ids were read. Best effort: resolves once written. */
  sendReceipt(peer: PeerId, ids: Uint8Array[], options?: AbortOptions): Promise<void>

  /** Oversized or malformed frames seen from `peer` since start. */
  strikes(peer: PeerId): number
}

export interface DirectMessagesInit {
  /** default PROTOCOL, '/hyphae/dm/1.0.0' */
  protocol?: string
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /** ms to wait for an ack when send() is given no signal (default TIMEOUT) */
  timeout?: number
  /** ms onMessage may take before the sender is told UNAVAILABLE (default HANDLER_TIMEOUT) */
  handlerTimeout?: number
  /** unacked envelopes per peer (default MAX_IN_FLIGHT) */
  maxInFlight?: number
  /** strikes before closing the peer's connections (default MAX_STRIKES) */
  maxStrikes?: number
  /** leading zero bits asked of an introduction, and put into ours (default INTRODUCTION_BITS) */
  introductionBits?: number
  /** allow relayed connections with data limits (default false: those are for mailboxes) */
  runOnLimitedConnection?: boolean
  onMessage?: MessageHandler
  onMessages?: MessagesHandler
  onReceipt?: ReceiptHandler
}

/** The slices of libp2p's registrar and connection manager this protocol uses. */
export interface DirectMessagesRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string, options?: AbortOptions): Promise<void>
}

export interface DirectMessagesConnectionManager {
  openStream(peer: PeerId, protocol: string, options?: AbortOptions & { runOnLimitedConnection?: boolean }): Promise<Stream>
  closeConnections(peer: PeerId, options?: AbortOptions): Promise<void>
}

export interface DirectMessagesComponents {
  registrar: DirectMessagesRegistrar
  connectionManager: DirectMessagesConnectionManager
  logger: ComponentLogger
  /** ours: introductions (proofs of work) name us as their sender */
  privateKey: PrivateKey
}

export function directMessages (init: DirectMessagesInit = {}): (components: DirectMessagesComponents) => DirectMessages {
  return (components) => new DirectMessagesService(components, init)
}

export { DirectMessagesService, refusal } from './dm.ts'
export { sealEnvelope, openEnvelope, checkEnvelope, newMessageId, addressOf, DEVICE_ID, DRAFT_VERSION, draftEnvelope, sealDraft } from './envelope.ts'
export type { SealInit, OpenedEnvelope, RatchetStores } from './envelope.ts'
export { decodeFrame, encodeFrame } from './frame.ts'
export { mintIntroduction, checkIntroduction } from './introduction.ts'
export { Lru } from './lru.ts'
export { AckStatus, Envelope, Ack, Receipt, Frame, Introduction } from './pb/dm.ts'
export * from './constants.ts'
export * from './errors.ts'
