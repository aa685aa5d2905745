/**
 * The frames a short-flow session sends, one per binary WebSocket message. Offsets and acks are
 * byte positions in each direction's stream since the session began (48 bits: 256 TB).
 */

export const SESSION_ID_LENGTH = 16
export const SESSION_VERSION = 1

export const enum FrameType {
  /** client, first on every flow: session id, whether it is new, its ack, what the server may send on this flow */
  Hello = 1,
  /** server's answer to Hello: its ack, from which the client resends */
  Welcome = 2,
  Data = 3,
  Ack = 4,
  /** client, on an idle flow: the server answers with an Ack (a frozen flow is found by its silence) */
  Poll = 5,
  /** server: its allowance on this flow is used up; the client moves to a new flow */
  Spent = 6,
  /** either side: the session is over */
  Fin = 7
}

export type Frame =
  | { type: FrameType.Hello, id: Uint8Array, fresh: boolean, ack: number, allowance: number }
  | { type: FrameType.Welcome | FrameType.Ack | FrameType.Poll | FrameType.Spent, ack: number }
  | { type: FrameType.Data, ack: number, offset: number, payload: Uint8Array }
  | { type: FrameType.Fin }

export class MalformedFrameError extends Error {
  static name = 'MalformedFrameError'
  name = 'MalformedFrameError'
}

const HELLO_LENGTH = 1 + 1 + 1 + SESSION_ID_LENGTH + 6 + 4
export const DATA_HEADER = 1 + 6 + 6

export function encodeFrame (frame: Frame): Uint8Array {
  if (frame.type === FrameType.Fin) return Uint8Array.of(FrameType.Fin)
  if (frame.type === FrameType.Hello) {
    const out = Buffer.alloc(HELLO_LENGTH)
    out[0] = FrameType.Hello
    out[1] = SESSION_VERSION
    out[2] = frame.fresh ? 1 : 0
    out.set(frame.id, 3)
    out.writeUIntBE(frame.ack, 3 + SESSION_ID_LENGTH, 6)
    out.writeUInt32BE(frame.allowance, 9 + SESSION_ID_LENGTH)
    return out
  }
  if (frame.type === FrameType.Data) {
    const out = Buffer.alloc(DATA_HEADER + frame.payload.byteLength)
    out[0] = FrameType.Data
    out.writeUIntBE(frame.ack, 1, 6)
    out.writeUIntBE(frame.offset, 7, 6)
    out.set(frame.payload, DATA_HEADER)
    return out
  }
  const out = Buffer.alloc(7)
  out[0] = frame.type
  out.writeUIntBE(frame.ack, 1, 6)
  return out
}

/** Throws MalformedFrameError on anything that is not exactly one well-formed frame. */
export function decodeFrame (bytes: Uint8Array): Frame {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const type = b[0]
  const need = (n: number, exact = true): void => {
    if (exact ? b.length !== n : b.length < n) throw new MalformedFrameError(`frame of type ${type} has ${b.length} bytes`)
  }
  switch (type) {
    case FrameType.Fin:
      need(1)
      return { type }
    case FrameType.Hello:
      need(HELLO_LENGTH)
      if (b[1] !== SESSION_VERSION) throw new MalformedFrameError(`session version ${b[1]}`)
      if (b[2] > 1) throw new MalformedFrameError('unknown hello flags')
      return { type, fresh: b[2] === 1, id: new Uint8Array(b.subarray(3, 3 + SESSION_ID_LENGTH)), ack: b.readUIntBE(3 + SESSION_ID_LENGTH, 6), allowance: b.readUInt32BE(9 + SESSION_ID_LENGTH) }
    case FrameType.Data:
      need(DATA_HEADER + 1, false)
      return { type, ack: b.readUIntBE(1, 6), offset: b.readUIntBE(7, 6), payload: b.subarray(DATA_HEADER) }
    case FrameType.Welcome: case FrameType.Ack: case FrameType.Poll: case FrameType.Spent:
      need(7)
      return { type, ack: b.readUIntBE(1, 6) }
    default:
      throw new MalformedFrameError(`unknown frame type ${type}`)
  }
}
