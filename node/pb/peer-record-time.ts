import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PeerRecordTime {
  updated?: number
}

export namespace PeerRecordTime {
  let _codec: Codec<PeerRecordTime>

  export const codec = (): Codec<PeerRecordTime> => {
    if (_codec == null) {
      _codec = message<PeerRecordTime>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.updated != null) {
          w.uint32(64)
          w.uint64Number(obj.updated)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 8: {
              obj.updated = reader.uint64Number()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 8: {
              yield {
                field: `${prefix}.updated`,
                value: reader.uint64Number()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface PeerRecordTimeUpdatedFieldEvent {
    field: '$.updated'
    value: number
  }

  export function encode (obj: Partial<PeerRecordTime>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerRecordTime.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRecordTime>): PeerRecordTime {
    return decodeMessage(buf, PeerRecordTime.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRecordTime>): Generator<PeerRecordTimeUpdatedFieldEvent> {
    return streamMessage(buf, PeerRecordTime.codec(), opts)
  }
}
