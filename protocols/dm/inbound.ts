import { lpStream } from '@libp2p/utils'
import { MAX_FRAME_BYTES } from './constants.ts'
import { decodeFrame, encodeFrame, isOversized } from './frame.ts'
import type { AckStatus, Envelope, Frame } from './pb/dm.ts'
import type { Logger, PeerId, Stream } from '@libp2p/interface'

export interface InboundContext {
  log: Logger
  /** how long writing an ack may take */
  timeout: number
  strike(peer: PeerId, reason: string): void
  /** opens, checks and hands the envelope on; resolves with the status to ack */
  receive(from: PeerId, envelope: Envelope): Promise<AckStatus>
  receipt(from: PeerId, ids: Uint8Array[]): Promise<void>
}

/**
 * Serves one stream a peer opened to us, frame by frame and strictly in order: the next frame
 * is not read before the previous envelope has been stored and acked, so messages reach
 * onMessage in the order they were sent. Resolves when the stream ends; never rejects.
 */
export async function serveInbound (stream: Stream, from: PeerId, ctx: InboundContext): Promise<void> {
  const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
  while (true) {
    let frame: Frame
    try {
      frame = decodeFrame(await lp.read())
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
      } else if (stream.status === 'open') {
        // the peer closed its side (no more envelopes): close ours
        await stream.close({ signal: AbortSignal.timeout(ctx.timeout) }).catch(e => { stream.abort(e) })
      }
      return
    }

    try {
      if (frame.envelope != null) {
        const status = await ctx.receive(from, frame.envelope)
        const ack = encodeFrame({ ack: { id: frame.envelope.id, status } })
        await lp.write(ack, { signal: AbortSignal.timeout(ctx.timeout) })
      } else if (frame.receipt != null) {
        await ctx.receipt(from, frame.receipt.ids)
      } else if (frame.ack != null) {
        ctx.strike(from, 'ack on a stream it opened')
      } else {
        ctx.log('ignoring a frame of a kind this version does not know from %p', from)
      }
    } catch (err: any) {
      ctx.log('inbound stream from %p failed - %e', from, err)
      stream.abort(err)
      return
    }
  }
}
