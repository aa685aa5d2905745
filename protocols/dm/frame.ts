import { MalformedFrameError } from './errors.ts'
import { Frame } from './pb/dm.ts'
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
 * lpStream's errors for a length prefix over maxDataLength or an absurd varint, and
 * byteStream's for a peer that floods more than it may have in flight. Compared by name so a
 * second copy of @libp2p/utils in node_modules cannot fool `instanceof`.
 */
const OVERSIZED = new Set(['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'InvalidMessageLengthError', 'StreamBufferError'])

export function isOversized (err: any): boolean {
  return OVERSIZED.has(err?.name)
}
