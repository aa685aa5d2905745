import { lpStream, Queue, type LengthPrefixedStream } from '@libp2p/utils'
import { MAX_FRAME_BYTES, TIMEOUT } from './constants.ts'
import { ChannelClosedError } from './errors.ts'
import { decodeFrame, isOversized } from './frame.ts'
import { abortable, deferred, idKey, type Deferred } from './utils.ts'
import type { Ack, AckStatus, Frame } from './pb/dm.ts'
import type { Logger, Stream } from '@libp2p/interface'

export interface ChannelInit {
  maxInFlight: number
  log: Logger
  /** the peer broke the protocol on our stream */
  onStrike(reason: string): void
  /** the channel is dead: forget it, the next send opens a new one */
  onClose(): void
}

/**
 * Our one long-lived outbound stream to a peer. Envelopes are written in the order send() was
 * called, up to maxInFlight unacked at once; the peer answers each with an Ack carrying its id,
 * which settles every send waiting on that id.
 */
export class OutboundChannel {
  readonly stream: Stream
  private readonly lp: LengthPrefixedStream<Stream>
  private readonly queue: Queue<AckStatus>
  private readonly pending = new Map<string, Array<Deferred<AckStatus>>>()
  private readonly init: ChannelInit
  private error?: Error

  constructor (stream: Stream, init: ChannelInit) {
    this.stream = stream
    this.init = init
    this.lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    this.queue = new Queue({ concurrency: init.maxInFlight })
    void this.readAcks()
  }

  get isOpen (): boolean {
    return this.error == null && this.stream.writeStatus === 'writable'
  }

  /** Writes an encoded Envelope frame and resolves with the peer's ack status. */
  async send (id: Uint8Array, frame: Uint8Array, signal: AbortSignal): Promise<AckStatus> {
    return this.queue.add(async (options) => {
      const jobSignal = options.signal ?? signal
      const key = idKey(id)
      const waiter = deferred<AckStatus>()
      waiter.promise.catch(() => {})
      const waiters = this.pending.get(key) ?? []
      waiters.push(waiter)
      this.pending.set(key, waiters)
      try {
        await this.write(frame, jobSignal)
        return await abortable(waiter.promise, jobSignal)
      } finally {
        this.forget(key, waiter)
      }
    }, { signal })
  }

  /** Writes a frame that expects no answer (a receipt). */
  async post (frame: Uint8Array, signal: AbortSignal): Promise<void> {
    await this.write(frame, signal)
  }

  close (err: Error): void {
    this.fail(err)
  }

  private async write (frame: Uint8Array, signal: AbortSignal): Promise<void> {
    if (this.error != null) throw this.error
    try {
      await this.lp.write(frame, { signal })
    } catch (err: any) {
      if (signal.aborted) throw err
      this.init.log('write failed - %e', err)
      this.fail(new ChannelClosedError())
      throw this.error ?? err
    }
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
        if (frame.envelope != null || frame.receipt != null) {
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
    this.init.onClose()
    if (this.stream.status === 'open') {
      // the peer reads our close as "no more envelopes" and closes its side in turn
      this.stream.close({ signal: AbortSignal.timeout(TIMEOUT) }).catch(e => { this.stream.abort(e) })
    }
  }
}
