import { lpStream } from '@libp2p/utils'
import { MAX_FRAME_BYTES, MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES } from './constants.ts'
import { decodeFrame, encodeFrame, isOversized, writeFrames } from './frame.ts'
import { deferred, type Deferred } from './utils.ts'
import type { AckStatus, Envelope, Frame, Introduction } from './pb/dm.ts'
import type { Logger, PeerId, Stream } from '@libp2p/interface'

export interface InboundContext {
  log: Logger
  /** how long writing an ack may take */
  timeout: number
  strike(peer: PeerId, reason: string): void
  /**
   * Opens, checks and hands on envelopes that arrived one after the other; resolves with one
   * status per envelope, in order, once every one of them has been acted on.
   */
  receive(from: PeerId, envelopes: Envelope[], introduced: boolean, askIntroduction: () => void): Promise<AckStatus[]>
  receipt(from: PeerId, ids: Uint8Array[]): Promise<void>
  /** whether the introduction is valid for `from`: it then counts for the rest of the stream */
  introduce(from: PeerId, introduction: Introduction): boolean
  /** the leading zero bits an introduction must have */
  introductionBits: number
}

/**
 * Frames (and their bytes) read ahead of the one being handled. An honest sender has at most
 * MAX_IN_FLIGHT envelopes and MAX_IN_FLIGHT_BYTES unacked; past either limit here the stream is
 * left unread, and the stream's own buffer limit deals with a peer that keeps writing.
 */
const READ_AHEAD = 2 * MAX_IN_FLIGHT
const READ_AHEAD_BYTES = 2 * MAX_IN_FLIGHT_BYTES

/**
 * Serves one stream a peer opened to us, strictly in order. Frames are read while earlier
 * ones are being handled, and every envelope already read is handled as one batch: the handler
 * can store them with one write, and their acks go out together, each only after its envelope
 * has been acted on. Messages reach the handler in the order they were sent. Resolves when the
 * stream ends; never rejects.
 */
export async function serveInbound (stream: Stream, from: PeerId, ctx: InboundContext): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  const frames: Frame[] = []
  /** the encoded size of what `frames` holds */
  let framesBytes = 0
  /** the reader has stopped: the peer closed its side, or the stream failed */
  let ended = false
  let arrived: Deferred<void> | undefined
  let taken: Deferred<void> | undefined
  const state: StreamState = { introduced: false, asked: false }

  const readAll = async (): Promise<void> => {
    try {
      while (true) {
        if (frames.length >= READ_AHEAD || framesBytes >= READ_AHEAD_BYTES) {
          taken = deferred()
          await taken.promise
          continue
        }
        let frame: Frame
        let size = 0
        try {
          const bytes = await lp.read()
          size = bytes.byteLength
          frame = decodeFrame(bytes)
        } catch (err: any) {
          if (err?.name === 'MalformedFrameError') {
            // the length prefix framed it, so the stream is still in step: drop just this frame
            ctx.log('dropping a malformed frame from %p - %e', from, err)
            ctx.strike(from, 'malformed frame')
            continue
          }
          if (isOversized(err)) {
            ctx.strike(from, `oversized frame - ${err.message}`)
            stream.abort(err)
          }
          return
        }
        frames.push(frame)
        framesBytes += size
        arrived?.resolve()
      }
    } finally {
      ended = true
      arrived?.resolve()
    }
  }
  const reading = readAll()

  while (true) {
    if (frames.length === 0) {
      if (ended) break
      arrived = deferred()
      await arrived.promise
      continue
    }
    const batch = frames.splice(0, frames.length)
    framesBytes = 0
    taken?.resolve()
    try {
      await handle(batch, stream, from, ctx, state)
    } catch (err: any) {
      ctx.log('inbound stream from %p failed - %e', from, err)
      stream.abort(err)
      frames.length = 0
      framesBytes = 0
      taken?.resolve()
      await reading
      return
    }
  }
  await reading
  if (stream.status === 'open') {
    // the peer closed its side (no more envelopes): close ours
    await stream.close({ signal: AbortSignal.timeout(ctx.timeout) }).catch(e => { stream.abort(e) })
  }
}

/** Handles frames in order: each run of envelopes in one call to receive(), its acks in one write. */
interface StreamState {
  /** the stream carried a valid introduction */
  introduced: boolean
  /** we asked the peer for one */
  asked: boolean
}

async function handle (batch: Frame[], stream: Stream, from: PeerId, ctx: InboundContext, state: StreamState): Promise<void> {
  let i = 0
  while (i < batch.length) {
    const frame = batch[i]
    if (frame.envelope != null) {
      const envelopes: Envelope[] = []
      while (i < batch.length && batch[i].envelope != null) envelopes.push(batch[i++].envelope as Envelope)
      let ask = false
      const statuses = await ctx.receive(from, envelopes, state.introduced, () => { ask = true })
      const acks = envelopes.map((envelope, j) => encodeFrame({ ack: { id: envelope.id, status: statuses[j] } }))
      // once per stream, ahead of the acks: the sender's retries then come introduced
      if (ask && !state.introduced && !state.asked) {
        state.asked = true
        acks.unshift(encodeFrame({ introductionRequest: { bits: ctx.introductionBits } }))
      }
      await writeFrames(stream, acks, { signal: AbortSignal.timeout(ctx.timeout) })
      continue
    }
    i++
    if (frame.introduction != null) {
      if (ctx.introduce(from, frame.introduction)) state.introduced = true
      else ctx.strike(from, 'invalid introduction')
    } else if (frame.receipt != null) {
      await ctx.receipt(from, frame.receipt.ids)
    } else if (frame.ack != null || frame.introductionRequest != null) {
      ctx.strike(from, 'ack on a stream it opened')
    } else {
      ctx.log('ignoring a frame of a kind this version does not know from %p', from)
    }
  }
}
