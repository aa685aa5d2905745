import { decodeMessage, encodeMessage, enumeration, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SyncRequest {
  group: Uint8Array<ArrayBuffer>
  epoch: bigint
  proof: Uint8Array<ArrayBuffer>
  since: bigint
  cursor: Uint8Array<ArrayBuffer>
  limit: number
}

export namespace SyncRequest {
  let _codec: Codec<SyncRequest>

  export const codec = (): Codec<SyncRequest> => {
    if (_codec == null) {
      _codec = message<SyncRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(16)
          w.uint64(obj.epoch)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.proof)
        }

        if ((obj.since != null && obj.since !== 0n)) {
          w.uint32(32)
          w.uint64(obj.since)
        }

        if ((obj.cursor != null && obj.cursor.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.cursor)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(48)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          epoch: 0n,
          proof: uint8ArrayAlloc(0),
          since: 0n,
          cursor: uint8ArrayAlloc(0),
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.group = reader.bytes()
              break
            }
            case 2: {
              obj.epoch = reader.uint64()
              break
            }
            case 3: {
              obj.proof = reader.bytes()
              break
            }
            case 4: {
              obj.since = reader.uint64()
              break
            }
            case 5: {
              obj.cursor = reader.bytes()
              break
            }
            case 6: {
              obj.limit = reader.uint32()
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
            case 1: {
              yield {
                field: `${prefix}.group`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.since`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.cursor`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
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

  export interface SyncRequestGroupFieldEvent {
    field: '$.group'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface SyncRequestProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestSinceFieldEvent {
    field: '$.since'
    value: bigint
  }

  export interface SyncRequestCursorFieldEvent {
    field: '$.cursor'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<SyncRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): SyncRequest {
    return decodeMessage(buf, SyncRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncRequest>): Generator<SyncRequestGroupFieldEvent | SyncRequestEpochFieldEvent | SyncRequestProofFieldEvent | SyncRequestSinceFieldEvent | SyncRequestCursorFieldEvent | SyncRequestLimitFieldEvent> {
    return streamMessage(buf, SyncRequest.codec(), opts)
  }
}

export enum SyncStatus {
  UNKNOWN = 'UNKNOWN',
  OK = 'OK',
  UNKNOWN_GROUP = 'UNKNOWN_GROUP',
  WRONG_EPOCH = 'WRONG_EPOCH',
  NOT_MEMBER = 'NOT_MEMBER',
  UNAVAILABLE = 'UNAVAILABLE',
  MALFORMED = 'MALFORMED'
}

enum __SyncStatusValues {
  UNKNOWN = 0,
  OK = 1,
  UNKNOWN_GROUP = 2,
  WRONG_EPOCH = 3,
  NOT_MEMBER = 4,
  UNAVAILABLE = 5,
  MALFORMED = 6
}

export namespace SyncStatus {
  export const codec = (): Codec<SyncStatus> => {
    return enumeration<SyncStatus>(__SyncStatusValues)
  }
}

export interface SyncFrame {
  item?: Uint8Array<ArrayBuffer>
  end?: SyncEnd
}

export namespace SyncFrame {
  let _codec: Codec<SyncFrame>

  export const codec = (): Codec<SyncFrame> => {
    if (_codec == null) {
      _codec = message<SyncFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.end != null) {
          obj.item = undefined
        }

        if (obj.item != null) {
          obj.end = undefined
        }

        if (obj.item != null) {
          w.uint32(10)
          w.bytes(obj.item)
        }

        if (obj.end != null) {
          w.uint32(18)
          SyncEnd.codec().encode(obj.end, w)
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
            case 1: {
              obj.item = reader.bytes()
              break
            }
            case 2: {
              obj.end = SyncEnd.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.end
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.end != null) {
          delete obj.item
        }

        if (obj.item != null) {
          delete obj.end
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.item`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield * SyncEnd.codec().stream(reader, reader.uint32(), `${prefix}.end`, {
                limits: opts.limits?.end
              })

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

  export interface SyncFrameItemFieldEvent {
    field: '$.item'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncFrameEndStatusFieldEvent {
    field: '$.end.status'
    value: SyncStatus
  }

  export interface SyncFrameEndCursorFieldEvent {
    field: '$.end.cursor'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncFrameEndEpochFieldEvent {
    field: '$.end.epoch'
    value: bigint
  }

  export interface SyncFrameEndProofFieldEvent {
    field: '$.end.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SyncFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncFrame>): SyncFrame {
    return decodeMessage(buf, SyncFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncFrame>): Generator<SyncFrameItemFieldEvent | SyncFrameEndStatusFieldEvent | SyncFrameEndCursorFieldEvent | SyncFrameEndEpochFieldEvent | SyncFrameEndProofFieldEvent> {
    return streamMessage(buf, SyncFrame.codec(), opts)
  }
}

export interface SyncEnd {
  status: SyncStatus
  cursor: Uint8Array<ArrayBuffer>
  epoch: bigint
  proof: Uint8Array<ArrayBuffer>
}

export namespace SyncEnd {
  let _codec: Codec<SyncEnd>

  export const codec = (): Codec<SyncEnd> => {
    if (_codec == null) {
      _codec = message<SyncEnd>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __SyncStatusValues[obj.status] !== 0) {
          w.uint32(8)
          SyncStatus.codec().encode(obj.status, w)
        }

        if ((obj.cursor != null && obj.cursor.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.cursor)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(24)
          w.uint64(obj.epoch)
        }

        if ((obj.proof != null && obj.proof.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.proof)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: SyncStatus.UNKNOWN,
          cursor: uint8ArrayAlloc(0),
          epoch: 0n,
          proof: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = SyncStatus.codec().decode(reader)
              break
            }
            case 2: {
              obj.cursor = reader.bytes()
              break
            }
            case 3: {
              obj.epoch = reader.uint64()
              break
            }
            case 4: {
              obj.proof = reader.bytes()
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
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: SyncStatus.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.cursor`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.proof`,
                value: reader.bytes()
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

  export interface SyncEndStatusFieldEvent {
    field: '$.status'
    value: SyncStatus
  }

  export interface SyncEndCursorFieldEvent {
    field: '$.cursor'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SyncEndEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface SyncEndProofFieldEvent {
    field: '$.proof'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SyncEnd>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SyncEnd.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncEnd>): SyncEnd {
    return decodeMessage(buf, SyncEnd.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncEnd>): Generator<SyncEndStatusFieldEvent | SyncEndCursorFieldEvent | SyncEndEpochFieldEvent | SyncEndProofFieldEvent> {
    return streamMessage(buf, SyncEnd.codec(), opts)
  }
}
