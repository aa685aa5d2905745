import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { MAX_FRAME_BYTES, MAX_IN_FLIGHT_BYTES, TIMEOUT } from './constants.ts'
import { ChannelClosedError } from './errors.ts'
import { decodeFrame, isOversized, writeFrames } from './frame.ts'
import { abortable, deferred, idKey, type Deferred } from './utils.ts'
import type { Ack, AckStatus, Frame } from './pb/dm.ts'
import type { Logger, Stream } from '@libp2p/interface'

export interface ChannelInit {
  maxInFlight: number
  /** unacked bytes at most (default MAX_IN_FLIGHT_BYTES); one envelope always may go */
  maxInFlightBytes?: number
  log: Logger
  /** the peer broke the protocol on our stream */
  onStrike(reason: string): void
  /** the channel is dead: forget it, the next send opens a new one */
  onClose(): void
  /** the peer does not know us yet and asks for an introduction of `bits` */
  onIntroductionRequest?(bits: number): void
}

interface Turn extends Deferred<void> {
  /** the size of the frame it will write */
  bytes: number
  /** release() gave this send a slot */
  granted: boolean
}

/**
 * Our one long-lived outbound stream to a peer. Envelopes are written in the order send() was
 * called, up to maxInFlight (and maxInFlightBytes) unacked at once; the peer answers each with an Ack carrying its id,
 * which settles every send waiting on that id. Frames handed over together (a round of the
 * outbox) go out in one write.
 */
export class OutboundChannel {
  readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>
  private readonly pending = new Map<string, Array<Deferred<AckStatus>>>()
  private readonly init: ChannelInit
  private error?: Error
  /** sends holding a slot (written or about to be, not yet settled), and their frames' bytes */
  private inFlight = 0
  private inFlightBytes = 0
  private readonly maxInFlightBytes: number
  /** sends waiting for a slot, first come first served */
  private readonly waiting: Turn[] = []
  /** frames for the next write, and what that write settles */
  private frames: Uint8Array[] = []
  private written?: Deferred<void>

  constructor (stream: Stream, init: ChannelInit) {
    this.stream = stream
    this.init = init
    this.maxInFlightBytes = init.maxInFlightBytes ?? MAX_IN_FLIGHT_BYTES
    this.lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    void this.readAcks()
  }

  get isOpen (): boolean {
    return this.error == null && this.stream.writeStatus === 'writable'
  }

  /** Writes an encoded Envelope frame and resolves with the peer's ack status. */
  async send (id: Uint8Array, frame: Uint8Array, signal: AbortSignal): Promise<AckStatus> {
    const bytes = frame.byteLength
    await this.slot(signal, bytes)
    const key = idKey(id)
    const waiter = deferred<AckStatus>()
    waiter.promise.catch(() => {})
    try {
      if (this.error != null) throw this.error
      const waiters = this.pending.get(key) ?? []
      waiters.push(waiter)
      this.pending.set(key, waiters)
      // a failed write fails the channel, which rejects the waiter: one wait covers both
      void this.queue(frame)
      return await abortable(waiter.promise, signal)
    } finally {
      this.forget(key, waiter)
      this.release(bytes)
    }
  }

  /** Writes a frame that expects no answer (a receipt). */
  async post (frame: Uint8Array, signal: AbortSignal): Promise<void> {
    if (this.error != null) throw this.error
    await abortable(this.queue(frame), signal)
  }

  close (err: Error): void {
    this.fail(err)
  }

  /** Whether a send of `bytes` may go now: always when nothing is in flight. */
  private fits (bytes: number): boolean {
    return this.inFlight === 0 || (this.inFlight < this.init.maxInFlight && this.inFlightBytes + bytes <= this.maxInFlightBytes)
  }

  /** Waits for a slot (and room for `bytes`), behind every send that asked before. */
  private async slot (signal: AbortSignal, bytes: number): Promise<void> {
    signal.throwIfAborted()
    if (this.error != null) throw this.error
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.inFlight++
      this.inFlightBytes += bytes
      return
    }
    const turn: Turn = { bytes, granted: false, ...deferred<void>() }
    this.waiting.push(turn)
    try {
      // release() grants the slot: inFlight and inFlightBytes already count us then
      await abortable(turn.promise, signal)
    } catch (err) {
      const at = this.waiting.indexOf(turn)
      if (at >= 0) this.waiting.splice(at, 1)
      else if (turn.granted) this.release(bytes)
      throw err
    }
  }

  private release (bytes: number): void {
    this.inFlight--
    this.inFlightBytes -= bytes
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const next = this.waiting.shift() as Turn
      this.inFlight++
      this.inFlightBytes += next.bytes
      next.granted = true
      next.resolve()
    }
  }

  /**
   * Adds the frame to the next write, and resolves once that write has been handed to the
   * stream. A failed write fails the channel.
   */
  private queue (frame: Uint8Array): Promise<void> {
    this.frames.push(frame)
    let written = this.written
    if (written == null) {
      written = this.written = deferred<void>()
      written.promise.catch(() => {})
      // with envelopes unacked, acks are on their way and each frees a turn: wait for the event
      // loop to deliver them all, so the envelopes they let through share one write
      if (this.inFlight > this.frames.length) setImmediate(() => { this.flush() })
      else queueMicrotask(() => { this.flush() })
    }
    return written.promise
  }

  private flush (): void {
    const frames = this.frames
    const written = this.written
    this.frames = []
    this.written = undefined
    if (written == null || frames.length === 0) return
    if (this.error != null) { written.reject(this.error); return }
    writeFrames(this.stream, frames).then(() => { written.resolve() }, err => {
      this.init.log('write failed - %e', err)
      this.fail(new ChannelClosedError())
      written.reject(this.error ?? err)
    })
  }

  private async readAcks (): Promise<void> {
    try {
      while (true) {
        const bytes = await this.lp.read()
        let frame: Frame
        try {
          frame = decodeFrame(bytes)
        } catch (err: any) {
          this.init.onStrike(err.message)
          continue
        }
        if (frame.introductionRequest != null) {
          this.init.onIntroductionRequest?.(frame.introductionRequest.bits)
          continue
        }
        if (frame.envelope != null || frame.receipt != null || frame.introduction != null) {
          this.init.onStrike('only acks flow back on a stream we opened')
          continue
        }
        // an empty frame is a kind this version does not know: ignore it
        if (frame.ack == null) continue
        this.settle(frame.ack)
      }
    } catch (err: any) {
      if (isOversized(err)) {
        this.init.onStrike(`oversized frame - ${err.message}`)
        this.stream.abort(err)
      }
      this.fail(new ChannelClosedError())
    }
  }

  private settle (ack: Ack): void {
    const key = idKey(ack.id)
    const waiters = this.pending.get(key)
    if (waiters == null) {
      this.init.log.trace('ack for %s which nobody waits for', key)
      return
    }
    this.pending.delete(key)
    for (const waiter of waiters) waiter.resolve(ack.status)
  }

  private forget (key: string, waiter: Deferred<AckStatus>): void {
    const waiters = this.pending.get(key)
    if (waiters == null) return
    const rest = waiters.filter(w => w !== waiter)
    if (rest.length === 0) this.pending.delete(key)
    else this.pending.set(key, rest)
  }

  private fail (err: Error): void {
    if (this.error != null) return
    this.error = err
    for (const waiters of this.pending.values()) {
      for (const waiter of waiters) waiter.reject(err)
    }
    this.pending.clear()
    for (const turn of this.waiting.splice(0)) turn.reject(err)
    this.init.onClose()
    if (this.stream.status === 'open') {
      // the peer reads our close as "no more envelopes" and closes its side in turn
      this.stream.close({ signal: AbortSignal.timeout(TIMEOUT) }).catch(e => { this.stream.abort(e) })
    }
  }
}
