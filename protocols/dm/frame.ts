import { MalformedFrameError } from './errors.ts'
import { Frame } from './pb/dm.ts'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

/** Decodes one frame; anything protons rejects becomes a MalformedFrameError. */
export function decodeFrame (bytes: Uint8Array | Uint8ArrayList): Frame {
  try {
    return Frame.decode(bytes)
  } catch (err: any) {
    throw new MalformedFrameError(err?.message ?? 'undecodable')
  }
}

export function encodeFrame (frame: Frame): Uint8Array {
  return Frame.encode(frame)
}

/**
 * Encoded frames, each behind its varint length (what lpStream reads), in one contiguous
 * buffer. Handed to the stream as a list, every frame and prefix would stay a chunk of its own
 * down to the socket (noise encrypts large writes chunk by chunk, tcp writes each chunk), so a
 * batch of N frames cost 2N + 3 socket writes; as one buffer it costs the same as one frame.
 */
export function lengthPrefixed (frames: Uint8Array[]): Uint8Array {
  let total = 0
  for (const frame of frames) total += varintLength(frame.byteLength) + frame.byteLength
  const out = new Uint8Array(total)
  let offset = 0
  for (const frame of frames) {
    let n = frame.byteLength
    while (n >= 0x80) {
      out[offset++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    out[offset++] = n
    out.set(frame, offset)
    offset += frame.byteLength
  }
  return out
}

function varintLength (n: number): number {
  let length = 1
  while (n >= 0x80) { n >>>= 7; length++ }
  return length
}

/** Writes frames in one piece; resolves once the stream has taken them (after a drain if it had to). */
export async function writeFrames (stream: Stream, frames: Uint8Array[], options?: AbortOptions): Promise<void> {
  if (!stream.send(lengthPrefixed(frames))) await stream.onDrain(options)
}

/**
 * lpStream's errors for a length prefix over maxDataLength or an absurd varint, and
 * byteStream's for a peer that floods more than it may have in flight. Compared by name so a
 * second copy of @libp2p/utils in node_modules cannot fool `instanceof`.
 */
const OVERSIZED = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError', 'StreamBufferError'])

export function isOversized (err: any): boolean {
  return OVERSIZED.has(err?.name)
}
