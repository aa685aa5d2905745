import { AbortError, serviceCapabilities, setMaxListeners } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { OutboundChannel } from './channel.ts'
import {
  ENVELOPE_VERSION, HANDLER_TIMEOUT, INTRODUCTION_BITS, INTRODUCTION_MAX_AGE, MAX_FRAME_BYTES, MAX_INTRODUCTION_BITS, MAX_IN_FLIGHT, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS,
  MAX_RECEIPT_IDS, MAX_STRIKES, MESSAGE_ID_BYTES, PROTOCOL, TIMEOUT
} from './constants.ts'
import { checkEnvelope } from './envelope.ts'
import { AckTimeoutError, MalformedEnvelopeError, MessageTooLargeError, PeerRefusedError, ServiceStoppedError, UnexpectedSenderError } from './errors.ts'
import { encodeFrame, writeFrames } from './frame.ts'
import { serveInbound, type InboundContext } from './inbound.ts'
import { checkIntroduction, mintIntroduction } from './introduction.ts'
import { Lru } from './lru.ts'
import { AckStatus, type Envelope, type Introduction } from './pb/dm.ts'
import { abortable } from './utils.ts'
import type { DirectMessages, DirectMessagesComponents, DirectMessagesInit, MessageHandler, MessagesHandler, ReceiveContext, ReceiptHandler } from './index.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Strike counts kept for at most this many peers (oldest forgotten first). */
const MAX_TRACKED_PEERS = 1024

export class DirectMessagesService implements Startable, DirectMessages {
  readonly protocol: string
  onMessage?: MessageHandler
  onMessages?: MessagesHandler
  onReceipt?: ReceiptHandler
  private readonly components: DirectMessagesComponents
  private readonly log: Logger
  private readonly timeout: number
  private readonly handlerTimeout: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly maxInFlight: number
  private readonly maxStrikes: number
  private readonly runOnLimitedConnection: boolean
  private readonly channels = new Map<string, Promise<OutboundChannel>>()
  /** the channels of `channels` that have opened, for sends that need not wait on anything */
  private readonly ready = new Map<string, OutboundChannel>()
  private readonly inbound = new Set<Stream>()
  private readonly strikeCounts = new Lru<number>(MAX_TRACKED_PEERS)
  /** our introductions, per recipient: minting one costs ~2^bits hashes, so each is reused */
  private readonly introductions = new Lru<Introduction>(MAX_TRACKED_PEERS)
  /** peers whose introduction is being minted */
  private readonly minting = new Set<string>()
  private readonly introductionBits: number
  private readonly self: PeerId
  private readonly inboundContext: InboundContext
  private started = false

  constructor (components: DirectMessagesComponents, init: DirectMessagesInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('hyphae:dm')
    this.protocol = init.protocol ?? PROTOCOL
    this.timeout = init.timeout ?? TIMEOUT
    this.handlerTimeout = init.handlerTimeout ?? HANDLER_TIMEOUT
    this.maxInboundStreams = init.maxInboundStreams ?? MAX_INBOUND_STREAMS
    this.maxOutboundStreams = init.maxOutboundStreams ?? MAX_OUTBOUND_STREAMS
    this.maxInFlight = init.maxInFlight ?? MAX_IN_FLIGHT
    this.maxStrikes = init.maxStrikes ?? MAX_STRIKES
    this.runOnLimitedConnection = init.runOnLimitedConnection ?? false
    this.introductionBits = init.introductionBits ?? INTRODUCTION_BITS
    this.self = peerIdFromPrivateKey(components.privateKey)
    this.onMessage = init.onMessage
    this.onMessages = init.onMessages
    this.onReceipt = init.onReceipt
    this.inboundContext = {
      log: this.log,
      timeout: this.timeout,
      strike: (peer, reason) => { this.strike(peer, reason) },
      receive: async (from, envelopes, introduced, askIntroduction) => this.receive(from, envelopes, { introduced, needIntroduction: askIntroduction }),
      receipt: async (from, ids) => this.receipt(from, ids),
      introduce: (from, introduction) => checkIntroduction(introduction, from, this.self, this.introductionBits),
      introductionBits: this.introductionBits
    }
  }

  readonly [Symbol.toStringTag] = '@hyphae/dm'
  readonly [serviceCapabilities]: string[] = ['@hyphae/dm']

  async start (): Promise<void> {
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams,
      runOnLimitedConnection: this.runOnLimitedConnection
    })
    this.started = true
  }

  /**
   * Pending sends learn that this node stops before its connections close under them (libp2p
   * stops every component at once; on a fast transport the stream's close would win).
   */
  beforeStop (): void {
    this.started = false
    const err = new ServiceStoppedError()
    for (const channel of this.ready.values()) channel.close(err)
    for (const opening of this.channels.values()) {
      opening.then(channel => { channel.close(err) }, () => {})
    }
    this.channels.clear()
    this.ready.clear()
  }

  async stop (): Promise<void> {
    this.beforeStop()
    await this.components.registrar.unhandle(this.protocol)
    for (const stream of this.inbound) {
      stream.close({ signal: AbortSignal.timeout(this.timeout) }).catch(e => { stream.abort(e) })
    }
    this.inbound.clear()
    this.strikeCounts.clear()
  }

  isStarted (): boolean {
    return this.started
  }

  async send (peer: PeerId, envelope: Envelope, options: AbortOptions = {}): Promise<AckStatus> {
    if (envelope.id.byteLength !== MESSAGE_ID_BYTES) throw new MalformedEnvelopeError('bad id')
    if (envelope.ciphertext.byteLength === 0 || envelope.version !== ENVELOPE_VERSION) throw new MalformedEnvelopeError('not sealed')
    const frame = encodeFrame({ envelope })
    if (frame.byteLength > MAX_FRAME_BYTES) throw new MessageTooLargeError(frame.byteLength, MAX_FRAME_BYTES, 'frame')
    const signal = this.signal(options)
    let status: AckStatus
    try {
      const channel = await this.channel(peer, signal)
      status = await channel.send(envelope.id, frame, signal)
    } catch (err) {
      throw this.translate(err, signal, options)
    }
    if (status !== AckStatus.STORED && status !== AckStatus.DUPLICATE) throw new PeerRefusedError(status)
    return status
  }

  async sendReceipt (peer: PeerId, ids: Uint8Array[], options: AbortOptions = {}): Promise<void> {
    if (ids.length === 0) return
    if (ids.some(id => id.byteLength !== MESSAGE_ID_BYTES)) throw new MalformedEnvelopeError('bad id in receipt')
    const signal = this.signal(options)
    try {
      const channel = await this.channel(peer, signal)
      for (let i = 0; i < ids.length; i += MAX_RECEIPT_IDS) {
        const chunk = ids.slice(i, i + MAX_RECEIPT_IDS).map(id => Uint8Array.from(id))
        await channel.post(encodeFrame({ receipt: { ids: chunk } }), signal)
      }
    } catch (err) {
      throw this.translate(err, signal, options)
    }
  }

  strikes (peer: PeerId): number {
    return this.strikeCounts.get(peer.toString()) ?? 0
  }

  private readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    if (!this.started) {
      stream.abort(new ServiceStoppedError())
      return
    }
    this.inbound.add(stream)
    try {
      await serveInbound(stream, connection.remotePeer, this.inboundContext)
    } catch (err: any) {
      this.log.error('inbound stream from %p failed - %e', connection.remotePeer, err)
      stream.abort(err)
    } finally {
      this.inbound.delete(stream)
    }
  }

  /** Checks each envelope's shape and author, hands those that pass on, and answers one status per envelope. */
  private async receive (from: PeerId, envelopes: Envelope[], context: ReceiveContext): Promise<AckStatus[]> {
    // on this protocol the author is the peer at the other end; forwarding is a mailbox's job
    const publicKey = from.publicKey
    if (publicKey == null) return envelopes.map(() => AckStatus.WRONG_PEER)
    const statuses: AckStatus[] = []
    const passed: Array<{ index: number, envelope: Envelope }> = []
    for (const [index, envelope] of envelopes.entries()) {
      try {
        if (!checkEnvelope(envelope).equals(publicKey)) throw new UnexpectedSenderError()
        passed.push({ index, envelope })
        statuses.push(AckStatus.UNAVAILABLE)
      } catch (err: any) {
        this.log('refusing an envelope from %p - %e', from, err)
        statuses.push(refusal(err))
      }
    }
    if (passed.length === 0) return statuses
    const { onMessages, onMessage } = this
    if (onMessages != null) {
      try {
        const answers = await abortable(Promise.resolve(onMessages(from, passed.map(p => p.envelope), context)), AbortSignal.timeout(this.handlerTimeout))
        passed.forEach(({ index }, i) => { statuses[index] = answers[i] ?? AckStatus.UNAVAILABLE })
      } catch (err: any) {
        this.log.error('onMessages failed for %d messages from %p - %e', passed.length, from, err)
      }
    } else if (onMessage != null) {
      for (const { index, envelope } of passed) {
        try {
          statuses[index] = await abortable(Promise.resolve(onMessage(from, envelope, context)), AbortSignal.timeout(this.handlerTimeout))
        } catch (err: any) {
          this.log.error('onMessage failed for a message from %p - %e', from, err)
        }
      }
    }
    return statuses
  }

  private async receipt (from: PeerId, ids: Uint8Array[]): Promise<void> {
    // copies, so that what the handler keeps does not pin the whole frame's buffer
    const valid = ids.filter(id => id.byteLength === MESSAGE_ID_BYTES).map(id => Uint8Array.from(id))
    if (valid.length === 0 || this.onReceipt == null) return
    try {
      await this.onReceipt(from, valid)
    } catch (err: any) {
      this.log.error('onReceipt failed for %p - %e', from, err)
    }
  }

  private async channel (peer: PeerId, signal: AbortSignal): Promise<OutboundChannel> {
    if (!this.started) throw new ServiceStoppedError()
    const key = peer.toString()
    const ready = this.ready.get(key)
    if (ready?.isOpen === true) return ready
    let opening = this.channels.get(key)
    if (opening != null) {
      const existing = await abortable(opening, signal).catch(err => {
        if (signal.aborted) throw err
        return undefined
      })
      if (existing?.isOpen === true) return existing
      // it failed to open or has died since: replace it, unless another send already did
      if (this.channels.get(key) === opening) this.channels.delete(key)
      opening = this.channels.get(key)
    }
    if (opening == null) {
      const fresh = this.openChannel(peer, key)
      fresh.catch(() => { if (this.channels.get(key) === fresh) this.channels.delete(key) })
      this.channels.set(key, fresh)
      opening = fresh
    }
    return abortable(opening, signal)
  }

  /** Opens under its own timeout: the send that started it may give up while others wait on it. */
  private async openChannel (peer: PeerId, key: string): Promise<OutboundChannel> {
    const stream = await this.components.connectionManager.openStream(peer, this.protocol, {
      signal: AbortSignal.timeout(this.timeout),
      runOnLimitedConnection: this.runOnLimitedConnection
    })
    if (!this.started) {
      stream.abort(new ServiceStoppedError())
      throw new ServiceStoppedError()
    }
    const kept = this.keptIntroduction(key)
    if (kept != null) {
      try {
        // a stamp we have costs nothing to send: the recipient that asked for it before takes what follows
        await writeFrames(stream, [encodeFrame({ introduction: kept })], { signal: AbortSignal.timeout(this.timeout) })
      } catch (err: any) {
        stream.abort(err)
        throw err
      }
    }
    const channel: OutboundChannel = new OutboundChannel(stream, {
      maxInFlight: this.maxInFlight,
      log: this.log,
      onStrike: reason => { this.strike(peer, reason) },
      onIntroductionRequest: bits => { this.introduce(peer, key, bits, channel) },
      onClose: () => {
        if (this.ready.get(key) === channel) this.ready.delete(key)
        void this.channels.get(key)?.then(c => { if (c === channel) this.channels.delete(key) }, () => {})
      }
    })
    this.ready.set(key, channel)
    return channel
  }

  private keptIntroduction (key: string, bits = 0): Introduction | undefined {
    const kept = this.introductions.get(key)
    if (kept == null || Date.now() - Number(kept.timestamp) >= INTRODUCTION_MAX_AGE / 2) return undefined
    // a stamp made for an easier ask may not do for this one
    return checkIntroduction(kept, this.self, peerIdFromString(key), bits) ? kept : undefined
  }

  /** The peer asked: mint (or reuse) a stamp and send it on the channel, once at a time per peer. */
  private introduce (peer: PeerId, key: string, bits: number, channel: OutboundChannel): void {
    if (bits > MAX_INTRODUCTION_BITS) {
      this.strike(peer, `asked for an introduction of ${bits} bits`)
      return
    }
    if (this.minting.has(key)) return
    this.minting.add(key)
    const kept = this.keptIntroduction(key, bits)
    const stamp = kept != null ? Promise.resolve(kept) : mintIntroduction(this.self, peer, bits)
    stamp
      .then(async introduction => {
        this.introductions.set(key, introduction)
        await channel.post(encodeFrame({ introduction }), AbortSignal.timeout(this.timeout))
      })
      .catch(err => { this.log('introduction to %p not sent - %e', peer, err) })
      .finally(() => { this.minting.delete(key) })
  }

  private strike (peer: PeerId, reason: string): void {
    const key = peer.toString()
    const count = (this.strikeCounts.get(key) ?? 0) + 1
    this.strikeCounts.set(key, count)
    this.log('strike %d/%d for %p: %s', count, this.maxStrikes, peer, reason)
    if (count >= this.maxStrikes) {
      this.log('closing connections to %p after %d strikes', peer, count)
      this.components.connectionManager.closeConnections(peer).catch(err => {
        this.log.error('could not close connections to %p - %e', peer, err)
      })
    }
  }

  private signal (options: AbortOptions): AbortSignal {
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    // pipelined sends may share one caller signal
    setMaxListeners(Infinity, signal)
    return signal
  }

  private translate (err: any, signal: AbortSignal, options: AbortOptions): Error {
    if (!signal.aborted) return err
    if (options.signal == null || signal.reason?.name === 'TimeoutError') return new AckTimeoutError()
    return new AbortError()
  }
}

export function refusal (err: Error): AckStatus {
  switch (err.name) {
    case 'WrongRecipientError':
    case 'UnexpectedSenderError':
      return AckStatus.WRONG_PEER
    case 'MessageTooLargeError':
      return AckStatus.REFUSED_TOO_LARGE
    case 'DuplicateMessageError':
      return AckStatus.DUPLICATE
    default:
      return AckStatus.MALFORMED
  }
}
