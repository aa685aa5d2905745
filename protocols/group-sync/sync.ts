import { AbortError, serviceCapabilities } from '@libp2p/interface'
import { pbStream } from '@libp2p/utils'
import {
  MAX_FRAME_BYTES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_PAGE_BYTES, MAX_PAGE_ITEMS, MAX_REQUEST_BYTES,
  PROTOCOL, REQUEST_TIMEOUT, TIMEOUT
} from './constants.ts'
import { MalformedSyncFrameError, PageTooLargeError, SyncRefusedError, SyncServiceStoppedError, SyncTimeoutError, TooManyItemsError } from './errors.ts'
import { SyncFrame, SyncRequest, SyncStatus } from './pb/sync.ts'
import type { GroupSync, GroupSyncComponents, GroupSyncInit, SyncAnswer, SyncPage, SyncRequestHandler } from './index.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/** Errors of the framing itself (length prefix, stream end), told apart from a bad protobuf. */
const STREAM_ERRORS = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError', 'StreamBufferError', 'UnexpectedEOFError', 'StreamResetError', 'StreamAbortedError', 'StreamClosedError'])

export class GroupSyncService implements Startable, GroupSync {
  readonly protocol: string
  onRequest?: SyncRequestHandler
  private readonly components: GroupSyncComponents
  private readonly log: Logger
  private readonly timeout: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly runOnLimitedConnection: boolean
  private readonly inbound = new Set<Stream>()
  private started = false

  constructor (components: GroupSyncComponents, init: GroupSyncInit = {}) {
    this.components = components
    this.log = components.logger.forComponent('hyphae:group-sync')
    this.protocol = init.protocol ?? PROTOCOL
    this.timeout = init.timeout ?? TIMEOUT
    this.maxInboundStreams = init.maxInboundStreams ?? MAX_INBOUND_STREAMS
    this.maxOutboundStreams = init.maxOutboundStreams ?? MAX_OUTBOUND_STREAMS
    this.runOnLimitedConnection = init.runOnLimitedConnection ?? false
    this.onRequest = init.onRequest
  }

  readonly [Symbol.toStringTag] = '@hyphae/group-sync'
  readonly [serviceCapabilities]: string[] = ['@hyphae/group-sync']

  async start (): Promise<void> {
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams,
      runOnLimitedConnection: this.runOnLimitedConnection
    })
    this.started = true
  }

  async stop (): Promise<void> {
    this.started = false
    await this.components.registrar.unhandle(this.protocol)
    for (const stream of this.inbound) stream.abort(new SyncServiceStoppedError())
    this.inbound.clear()
  }

  isStarted (): boolean {
    return this.started
  }

  async fetch (peer: PeerId, request: SyncRequest, options: AbortOptions = {}): Promise<SyncPage> {
    if (!this.started) throw new SyncServiceStoppedError()
    const limit = Math.max(1, Math.min(request.limit > 0 ? request.limit : MAX_PAGE_ITEMS, MAX_PAGE_ITEMS))
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    let stream: Stream | undefined
    try {
      stream = await this.components.connectionManager.openStream(peer, this.protocol, { signal, runOnLimitedConnection: this.runOnLimitedConnection })
      const pb = pbStream(stream, { maxDataLength: MAX_FRAME_BYTES })
      await pb.write({ ...request, limit }, SyncRequest, { signal })
      const frames = pb.pb(SyncFrame)
      const items: Uint8Array[] = []
      let bytes = 0
      while (true) {
        const frame = await readFrame(() => frames.read({ signal }))
        if (frame.item != null) {
          if (items.length >= limit) throw new TooManyItemsError(limit)
          bytes += frame.item.byteLength
          if (items.length > 0 && bytes > MAX_PAGE_BYTES) throw new PageTooLargeError(MAX_PAGE_BYTES)
          items.push(frame.item)
          continue
        }
        if (frame.end == null) throw new MalformedSyncFrameError('a frame with neither item nor end')
        await stream.close({ signal }).catch(err => { stream?.abort(err) })
        if (frame.end.status !== SyncStatus.OK) throw new SyncRefusedError(frame.end.status, frame.end.epoch)
        return { items, cursor: frame.end.cursor.byteLength > 0 ? frame.end.cursor : undefined, epoch: frame.end.epoch, proof: frame.end.proof.byteLength > 0 ? frame.end.proof : undefined }
      }
    } catch (err: any) {
      if (err instanceof SyncRefusedError) throw err
      const error = this.translate(err, signal, options)
      stream?.abort(error)
      throw error
    }
  }

  private readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    if (!this.started) {
      stream.abort(new SyncServiceStoppedError())
      return
    }
    this.inbound.add(stream)
    try {
      await this.serve(stream, connection.remotePeer)
    } catch (err: any) {
      this.log('group-sync stream from %p failed - %e', connection.remotePeer, err)
      stream.abort(err)
    } finally {
      this.inbound.delete(stream)
    }
  }

  /** Reads the one request, asks onRequest, writes the items and the end, closes. */
  private async serve (stream: Stream, from: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(this.timeout)
    // a request is small: a peer that sends more is not speaking this protocol
    const pb = pbStream(stream, { maxDataLength: MAX_REQUEST_BYTES })
    let request: SyncRequest
    try {
      request = await readFrame(() => pb.read(SyncRequest, { signal: AbortSignal.timeout(REQUEST_TIMEOUT) }))
    } catch (err: any) {
      if (err instanceof MalformedSyncFrameError) {
        await pb.write({ end: { status: SyncStatus.MALFORMED, cursor: new Uint8Array(), epoch: 0n, proof: new Uint8Array() } }, SyncFrame, { signal })
        await stream.close({ signal })
        return
      }
      throw err
    }
    const limit = Math.max(1, Math.min(request.limit > 0 ? request.limit : MAX_PAGE_ITEMS, MAX_PAGE_ITEMS))
    let answer: SyncAnswer
    try {
      answer = this.onRequest == null ? { status: SyncStatus.UNAVAILABLE } : await this.onRequest(from, { ...request, limit }, { signal })
    } catch (err: any) {
      this.log.error('onRequest failed for %p - %e', from, err)
      answer = { status: SyncStatus.UNAVAILABLE }
    }
    let sent = 0
    if (answer.status === SyncStatus.OK && answer.items != null) {
      for await (const item of answer.items) {
        if (sent >= limit) break
        if (item.byteLength + 16 > MAX_FRAME_BYTES) {
          // the asker could not read it anyway; it is not this protocol's to fix
          this.log('skipping an item of %d bytes for %p', item.byteLength, from)
          continue
        }
        await pb.write({ item: item as Uint8Array<ArrayBuffer> }, SyncFrame, { signal })
        sent++
      }
    }
    await pb.write({
      end: {
        status: answer.status,
        cursor: (answer.status === SyncStatus.OK ? answer.cursor ?? new Uint8Array() : new Uint8Array()) as Uint8Array<ArrayBuffer>,
        epoch: answer.epoch ?? 0n,
        proof: (answer.status === SyncStatus.OK ? answer.proof ?? new Uint8Array() : new Uint8Array()) as Uint8Array<ArrayBuffer>
      }
    }, SyncFrame, { signal })
    this.log.trace('sent %d items to %p (%s)', sent, from, answer.status)
    await stream.close({ signal })
  }

  private translate (err: any, signal: AbortSignal, options: AbortOptions): Error {
    if (!signal.aborted) return err
    if (options.signal == null || signal.reason?.name === 'TimeoutError') return new SyncTimeoutError()
    return new AbortError()
  }
}

/** A protobuf that does not decode is MalformedSyncFrameError; stream and length errors pass through. */
async function readFrame <T> (read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (err: any) {
    if (STREAM_ERRORS.has(err?.name) || err?.name === 'AbortError' || err?.name === 'TimeoutError') throw err
    throw new MalformedSyncFrameError(err?.message ?? 'undecodable')
  }
}
