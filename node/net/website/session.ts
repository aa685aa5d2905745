import { AbstractMultiaddrConnection, type AbstractMultiaddrConnectionInit, type SendResult } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { DATA_HEADER, encodeFrame, FrameType, type Frame } from './session-frames.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { WebSocket } from 'ws'

/** Largest Data payload: a flow's whole budget is a few of these. */
export const MAX_CHUNK = 4096
/** Bytes written but not yet acked past which libp2p is asked to wait (bounds a relay's memory per session). */
export const MAX_UNACKED = 256 * 1024

/**
 * What a frame of `length` bytes costs on the wire by the censor's count (connbytes counts whole
 * packets both ways): WebSocket and TLS record headers, 52 B of IP/TCP per segment and per ack.
 */
export function wireCost (length: number): number {
  return length + 8 + 22 + 104 * Math.ceil((length + 30) / 1448)
}

/** A flow with room for less than this is retired rather than sending crumbs. */
const MIN_CHUNK = 256

/** The largest Data payload whose frame costs at most `room` on the wire. */
function payloadThatFits (room: number): number {
  let length = room - DATA_HEADER - 30 - 104 * Math.ceil(room / 1448)
  while (length > 0 && wireCost(DATA_HEADER + length) > room) length -= 64
  return Math.max(0, length)
}

/** Room kept on every flow for the last ack and the close. */
export const FLOW_RESERVE = 2 * wireCost(7) + 4 * 52

/** One short-lived carrier of frames (a TLS flow): it counts what it may still send. */
export interface Flow {
  send: (frame: Uint8Array) => void
  /** estimated bytes this flow may still put on the wire */
  remaining: () => number
  /** called when the next frame would not fit: the flow is retired (`ack`: this side's, for a last word) */
  exhausted: (ack: number) => void
}

/** A flow over one WebSocket: counts what it sends against its allowance. */
export abstract class WebSocketFlow implements Flow {
  private spent = 0
  protected closed = false

  constructor (protected readonly websocket: WebSocket, private readonly allowance: number) {}

  send (frame: Uint8Array): void {
    if (this.closed) return
    this.spent += wireCost(frame.byteLength)
    this.websocket.send(frame, { binary: true })
  }

  remaining (): number {
    return this.allowance - this.spent
  }

  abstract exhausted (ack: number): void
}

export class SessionProtocolError extends Error {
  static name = 'SessionProtocolError'
  name = 'SessionProtocolError'
}

interface SessionConnectionInit extends Omit<AbstractMultiaddrConnectionInit, 'inactivityTimeout'> {
  /** what the session does when it is over (stop opening flows, forget the session); `why` for the figures */
  onEnd: (why: string) => void
}

/**
 * A libp2p connection that outlives the flows under it: both directions are byte streams with
 * offsets; what the peer has not acked is kept and sent again on the next flow, so a flow that
 * froze loses nothing, and what arrives twice or early is dropped, so nothing is duplicated or
 * reordered.
 */
export class SessionConnection extends AbstractMultiaddrConnection {
  private readonly unacked = new Uint8ArrayList()
  /** stream offset of unacked's first byte: everything before it the peer has */
  private sendBase = 0
  /** next offset to send on the current flow */
  private sendNext = 0
  private recvNext = 0
  private flow?: Flow
  private ackDue = false
  private waitingForDrain = false
  private ended = false
  private readonly onEnd: (why: string) => void
  /** bytes of payload delivered, for the figures */
  received = 0

  constructor (init: SessionConnectionInit) {
    // the session's own stall detection replaces the socket's inactivity timeout
    super({ ...init, inactivityTimeout: 5 * 60_000 })
    this.onEnd = init.onEnd
  }

  /** Payload sent and not yet acked by the peer: the client's stall detector watches this. */
  get inFlight (): boolean {
    return this.sendNext > this.sendBase
  }

  get hasUnsent (): boolean {
    return this.sendBase + this.unacked.byteLength > this.sendNext
  }

  get receivedOffset (): number {
    return this.recvNext
  }

  /** Puts a new flow under the session; the peer's ack says from where to send again. */
  attach (flow: Flow, peerAck: number): void {
    this.flow = flow
    this.acked(peerAck)
    this.sendNext = this.sendBase
    this.ackDue = this.recvNext > 0
    this.pump()
  }

  detach (flow: Flow): void {
    if (this.flow === flow) this.flow = undefined
  }

  /** A frame the current flow carried (Hello and Welcome are the flow owner's). */
  receive (frame: Frame): void {
    if (frame.type === FrameType.Fin) { this.finish(); return }
    if (frame.type === FrameType.Hello) throw new SessionProtocolError('hello in the middle of a flow')
    this.acked(frame.ack)
    if (frame.type === FrameType.Data) {
      const end = frame.offset + frame.payload.byteLength
      // a gap means a frame was lost on this flow, which TCP does not do: drop it, it comes again
      if (frame.offset <= this.recvNext && end > this.recvNext) {
        const fresh = frame.payload.subarray(this.recvNext - frame.offset)
        this.recvNext = end
        this.received += fresh.byteLength
        this.onData(fresh)
      }
      this.ackDue = true
      setImmediate(() => { this.pump() })
    }
  }

  private acked (ack: number): void {
    if (!Number.isSafeInteger(ack) || ack > this.sendBase + this.unacked.byteLength) {
      throw new SessionProtocolError(`ack ${ack} beyond the ${this.sendBase + this.unacked.byteLength} bytes sent`)
    }
    if (ack <= this.sendBase) return
    this.unacked.consume(ack - this.sendBase)
    this.sendBase = ack
    if (this.sendNext < ack) this.sendNext = ack
    if (this.waitingForDrain && this.unacked.byteLength < MAX_UNACKED / 2) {
      this.waitingForDrain = false
      this.safeDispatchEvent('drain')
    }
  }

  /** Sends what is unsent, and an ack when one is due, as far as the flow's budget goes. */
  pump (): void {
    const flow = this.flow
    if (flow == null) return
    while (this.sendNext < this.sendBase + this.unacked.byteLength) {
      const start = this.sendNext - this.sendBase
      const length = Math.min(MAX_CHUNK, this.unacked.byteLength - start, payloadThatFits(flow.remaining() - FLOW_RESERVE))
      if (length < Math.min(MIN_CHUNK, this.unacked.byteLength - start)) { this.retire(flow); return }
      const payload = this.unacked.subarray(start, start + length)
      flow.send(encodeFrame({ type: FrameType.Data, ack: this.recvNext, offset: this.sendNext, payload }))
      this.sendNext += length
      this.ackDue = false
    }
    if (this.ackDue) {
      if (flow.remaining() < wireCost(7) + FLOW_RESERVE / 2) { this.retire(flow); return }
      this.sendControl(FrameType.Ack)
    }
  }

  /** Sends an Ack, Poll or Spent carrying this side's ack on the current flow. */
  sendControl (type: FrameType.Ack | FrameType.Poll | FrameType.Spent): void {
    if (this.flow == null) return
    this.flow.send(encodeFrame({ type, ack: this.recvNext }))
    this.ackDue = false
  }

  private retire (flow: Flow): void {
    if (this.flow !== flow) return
    this.flow = undefined
    flow.exhausted(this.recvNext)
  }

  sendData (data: Uint8ArrayList): SendResult {
    const bytes = data.byteLength
    this.unacked.append(data)
    this.pump()
    const canSendMore = this.unacked.byteLength < MAX_UNACKED
    if (!canSendMore) this.waitingForDrain = true
    return { sentBytes: bytes, canSendMore }
  }

  sendReset (): void {
    this.flow?.send(encodeFrame({ type: FrameType.Fin }))
    this.end('reset here')
  }

  async sendClose (options?: AbortOptions): Promise<void> {
    // what the peer has not acked yet is sent on the flows to come; wait for it, then say goodbye
    if (this.unacked.byteLength > 0) {
      await new Promise<void>(resolve => {
        const timer = setInterval(() => { if (this.unacked.byteLength === 0 || this.flow == null || options?.signal?.aborted === true) done() }, 100)
        const done = (): void => { clearInterval(timer); resolve() }
        setTimeout(done, 5_000).unref()
      })
    }
    this.flow?.send(encodeFrame({ type: FrameType.Fin }))
    this.end('closed here')
  }

  sendPause (): void {}

  sendResume (): void {}

  /** The peer said Fin. */
  private finish (): void {
    this.end('closed by the peer')
    this.onTransportClosed()
  }

  private end (why: string): void {
    if (this.ended) return
    this.ended = true
    this.flow = undefined
    this.onEnd(why)
  }

  /** The session cannot go on (its flows keep failing, or the relay forgot it). */
  fail (err: Error): void {
    this.end(err.message)
    this.abort(err)
  }
}
