import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Frame {
  envelope?: Envelope
  ack?: Ack
  receipt?: Receipt
  introduction?: Introduction
  introductionRequest?: IntroductionRequest
}

export namespace Frame {
  let _codec: Codec<Frame>

  export const codec = (): Codec<Frame> => {
    if (_codec == null) {
      _codec = message<Frame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.introductionRequest != null) {
          obj.introduction = undefined
          obj.receipt = undefined
          obj.ack = undefined
          obj.envelope = undefined
        }

        if (obj.introduction != null) {
          obj.introductionRequest = undefined
          obj.receipt = undefined
          obj.ack = undefined
          obj.envelope = undefined
        }

        if (obj.receipt != null) {
          obj.introductionRequest = undefined
          obj.introduction = undefined
          obj.ack = undefined
          obj.envelope = undefined
        }

        if (obj.ack != null) {
          obj.introductionRequest = undefined
          obj.introduction = undefined
          obj.receipt = undefined
          obj.envelope = undefined
        }

        if (obj.envelope != null) {
          obj.introductionRequest = undefined
          obj.introduction = undefined
          obj.receipt = undefined
          obj.ack = undefined
        }

        if (obj.envelope != null) {
          w.uint32(10)
          Envelope.codec().encode(obj.envelope, w)
        }

        if (obj.ack != null) {
          w.uint32(18)
          Ack.codec().encode(obj.ack, w)
        }

        if (obj.receipt != null) {
          w.uint32(26)
          Receipt.codec().encode(obj.receipt, w)
        }

        if (obj.introduction != null) {
          w.uint32(34)
          Introduction.codec().encode(obj.introduction, w)
        }

        if (obj.introductionRequest != null) {
          w.uint32(42)
          IntroductionRequest.codec().encode(obj.introductionRequest, w)
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
              obj.envelope = Envelope.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.envelope
              })
              break
            }
            case 2: {
              obj.ack = Ack.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.ack
              })
              break
            }
            case 3: {
              obj.receipt = Receipt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.receipt
              })
              break
            }
            case 4: {
              obj.introduction = Introduction.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.introduction
              })
              break
            }
            case 5: {
              obj.introductionRequest = IntroductionRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.introductionRequest
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.introductionRequest != null) {
          delete obj.introduction
          delete obj.receipt
          delete obj.ack
          delete obj.envelope
        }

        if (obj.introduction != null) {
          delete obj.introductionRequest
          delete obj.receipt
          delete obj.ack
          delete obj.envelope
        }

        if (obj.receipt != null) {
          delete obj.introductionRequest
          delete obj.introduction
          delete obj.ack
          delete obj.envelope
        }

        if (obj.ack != null) {
          delete obj.introductionRequest
          delete obj.introduction
          delete obj.receipt
          delete obj.envelope
        }

        if (obj.envelope != null) {
          delete obj.introductionRequest
          delete obj.introduction
          delete obj.receipt
          delete obj.ack
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Envelope.codec().stream(reader, reader.uint32(), `${prefix}.envelope`, {
                limits: opts.limits?.envelope
              })

              break
            }
            case 2: {
              yield * Ack.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                limits: opts.limits?.ack
              })

              break
            }
            case 3: {
              yield * Receipt.codec().stream(reader, reader.uint32(), `${prefix}.receipt`, {
                limits: opts.limits?.receipt
              })

              break
            }
            case 4: {
              yield * Introduction.codec().stream(reader, reader.uint32(), `${prefix}.introduction`, {
                limits: opts.limits?.introduction
              })

              break
            }
            case 5: {
              yield * IntroductionRequest.codec().stream(reader, reader.uint32(), `${prefix}.introductionRequest`, {
                limits: opts.limits?.introductionRequest
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

  export interface FrameEnvelopeVersionFieldEvent {
    field: '$.envelope.version'
    value: number
  }

  export interface FrameEnvelopeIdFieldEvent {
    field: '$.envelope.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameEnvelopeSenderFieldEvent {
    field: '$.envelope.sender'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameEnvelopeCiphertextFieldEvent {
    field: '$.envelope.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameEnvelopeKindFieldEvent {
    field: '$.envelope.kind'
    value: number
  }

  export interface FrameAckIdFieldEvent {
    field: '$.ack.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameAckStatusFieldEvent {
    field: '$.ack.status'
    value: AckStatus
  }

  export interface FrameReceiptIdsFieldEvent {
    field: '$.receipt.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameIntroductionTimestampFieldEvent {
    field: '$.introduction.timestamp'
    value: bigint
  }

  export interface FrameIntroductionNonceFieldEvent {
    field: '$.introduction.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface FrameIntroductionRequestBitsFieldEvent {
    field: '$.introductionRequest.bits'
    value: number
  }

  export function encode (obj: Partial<Frame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Frame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Frame {
    return decodeMessage(buf, Frame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Frame>): Generator<FrameEnvelopeVersionFieldEvent | FrameEnvelopeIdFieldEvent | FrameEnvelopeSenderFieldEvent | FrameEnvelopeCiphertextFieldEvent | FrameEnvelopeKindFieldEvent | FrameAckIdFieldEvent | FrameAckStatusFieldEvent | FrameReceiptIdsFieldEvent | FrameIntroductionTimestampFieldEvent | FrameIntroductionNonceFieldEvent | FrameIntroductionRequestBitsFieldEvent> {
    return streamMessage(buf, Frame.codec(), opts)
  }
}

export interface Introduction {
  timestamp: bigint
  nonce: Uint8Array<ArrayBuffer>
}

export namespace Introduction {
  let _codec: Codec<Introduction>

  export const codec = (): Codec<Introduction> => {
    if (_codec == null) {
      _codec = message<Introduction>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(8)
          w.uint64(obj.timestamp)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          timestamp: 0n,
          nonce: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.timestamp = reader.uint64()
              break
            }
            case 2: {
              obj.nonce = reader.bytes()
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
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nonce`,
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

  export interface IntroductionTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface IntroductionNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Introduction>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Introduction.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Introduction>): Introduction {
    return decodeMessage(buf, Introduction.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Introduction>): Generator<IntroductionTimestampFieldEvent | IntroductionNonceFieldEvent> {
    return streamMessage(buf, Introduction.codec(), opts)
  }
}

export interface Envelope {
  version: number
  id: Uint8Array<ArrayBuffer>
  sender: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
  kind: number
}

export namespace Envelope {
  let _codec: Codec<Envelope>

  export const codec = (): Codec<Envelope> => {
    if (_codec == null) {
      _codec = message<Envelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.id)
        }

        if ((obj.sender != null && obj.sender.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.sender)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.ciphertext)
        }

        if ((obj.kind != null && obj.kind !== 0)) {
          w.uint32(88)
          w.uint32(obj.kind)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          id: uint8ArrayAlloc(0),
          sender: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0),
          kind: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              obj.id = reader.bytes()
              break
            }
            case 5: {
              obj.sender = reader.bytes()
              break
            }
            case 9: {
              obj.ciphertext = reader.bytes()
              break
            }
            case 11: {
              obj.kind = reader.uint32()
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
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.sender`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.ciphertext`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.kind`,
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

  export interface EnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface EnvelopeIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeSenderFieldEvent {
    field: '$.sender'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EnvelopeKindFieldEvent {
    field: '$.kind'
    value: number
  }

  export function encode (obj: Partial<Envelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Envelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Envelope {
    return decodeMessage(buf, Envelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Envelope>): Generator<EnvelopeVersionFieldEvent | EnvelopeIdFieldEvent | EnvelopeSenderFieldEvent | EnvelopeCiphertextFieldEvent | EnvelopeKindFieldEvent> {
    return streamMessage(buf, Envelope.codec(), opts)
  }
}

export interface Payload {
  body: string
  replyTo?: Uint8Array<ArrayBuffer>
  control?: Uint8Array<ArrayBuffer>
  id: Uint8Array<ArrayBuffer>
  lamport: bigint
  sentAt: bigint
  file?: Uint8Array<ArrayBuffer>
}

export namespace Payload {
  let _codec: Codec<Payload>

  export const codec = (): Codec<Payload> => {
    if (_codec == null) {
      _codec = message<Payload>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.body != null && obj.body !== '')) {
          w.uint32(10)
          w.string(obj.body)
        }

        if (obj.replyTo != null) {
          w.uint32(18)
          w.bytes(obj.replyTo)
        }

        if (obj.control != null) {
          w.uint32(26)
          w.bytes(obj.control)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.id)
        }

        if ((obj.lamport != null && obj.lamport !== 0n)) {
          w.uint32(40)
          w.uint64(obj.lamport)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.sentAt)
        }

        if (obj.file != null) {
          w.uint32(58)
          w.bytes(obj.file)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          body: '',
          id: uint8ArrayAlloc(0),
          lamport: 0n,
          sentAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.body = reader.string()
              break
            }
            case 2: {
              obj.replyTo = reader.bytes()
              break
            }
            case 3: {
              obj.control = reader.bytes()
              break
            }
            case 4: {
              obj.id = reader.bytes()
              break
            }
            case 5: {
              obj.lamport = reader.uint64()
              break
            }
            case 6: {
              obj.sentAt = reader.uint64()
              break
            }
            case 7: {
              obj.file = reader.bytes()
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
                field: `${prefix}.body`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.replyTo`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.control`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.lamport`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.file`,
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

  export interface PayloadBodyFieldEvent {
    field: '$.body'
    value: string
  }

  export interface PayloadReplyToFieldEvent {
    field: '$.replyTo'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PayloadControlFieldEvent {
    field: '$.control'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PayloadIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PayloadLamportFieldEvent {
    field: '$.lamport'
    value: bigint
  }

  export interface PayloadSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface PayloadFileFieldEvent {
    field: '$.file'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Payload>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Payload.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Payload>): Payload {
    return decodeMessage(buf, Payload.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Payload>): Generator<PayloadBodyFieldEvent | PayloadReplyToFieldEvent | PayloadControlFieldEvent | PayloadIdFieldEvent | PayloadLamportFieldEvent | PayloadSentAtFieldEvent | PayloadFileFieldEvent> {
    return streamMessage(buf, Payload.codec(), opts)
  }
}

export enum AckStatus {
  UNKNOWN = 'UNKNOWN',
  STORED = 'STORED',
  DUPLICATE = 'DUPLICATE',
  REFUSED_BLOCKED = 'REFUSED_BLOCKED',
  REFUSED_TOO_LARGE = 'REFUSED_TOO_LARGE',
  MALFORMED = 'MALFORMED',
  WRONG_PEER = 'WRONG_PEER',
  UNAVAILABLE = 'UNAVAILABLE'
}

enum __AckStatusValues {
  UNKNOWN = 0,
  STORED = 1,
  DUPLICATE = 2,
  REFUSED_BLOCKED = 3,
  REFUSED_TOO_LARGE = 4,
  MALFORMED = 5,
  WRONG_PEER = 6,
  UNAVAILABLE = 7
}

export namespace AckStatus {
  export const codec = (): Codec<AckStatus> => {
    return enumeration<AckStatus>(__AckStatusValues)
  }
}

export interface Ack {
  id: Uint8Array<ArrayBuffer>
  status: AckStatus
}

export namespace Ack {
  let _codec: Codec<Ack>

  export const codec = (): Codec<Ack> => {
    if (_codec == null) {
      _codec = message<Ack>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if (obj.status != null && __AckStatusValues[obj.status] !== 0) {
          w.uint32(16)
          AckStatus.codec().encode(obj.status, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          status: AckStatus.UNKNOWN
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.bytes()
              break
            }
            case 2: {
              obj.status = AckStatus.codec().decode(reader)
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
                field: `${prefix}.id`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.status`,
                value: AckStatus.codec().decode(reader)
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

  export interface AckIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface AckStatusFieldEvent {
    field: '$.status'
    value: AckStatus
  }

  export function encode (obj: Partial<Ack>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Ack.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Ack {
    return decodeMessage(buf, Ack.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Ack>): Generator<AckIdFieldEvent | AckStatusFieldEvent> {
    return streamMessage(buf, Ack.codec(), opts)
  }
}

export interface Receipt {
  ids: Uint8Array<ArrayBuffer>[]
}

export namespace Receipt {
  let _codec: Codec<Receipt>

  export const codec = (): Codec<Receipt> => {
    if (_codec == null) {
      _codec = message<Receipt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.ids != null && obj.ids.length > 0) {
          for (const value of obj.ids) {
            w.uint32(10)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          ids: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              if (obj.ids.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements')
              }

              obj.ids.push(reader.bytes())
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
        const obj = {
          ids: 256
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              if (obj.ids === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              yield {
                field: `${prefix}.ids[]`,
                index: obj.ids,
                value: reader.bytes()
              }

              obj.ids++

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

  export interface ReceiptIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Receipt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Receipt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt {
    return decodeMessage(buf, Receipt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptIdsFieldEvent> {
    return streamMessage(buf, Receipt.codec(), opts)
  }
}

export interface IntroductionRequest {
  bits: number
}

export namespace IntroductionRequest {
  let _codec: Codec<IntroductionRequest>

  export const codec = (): Codec<IntroductionRequest> => {
    if (_codec == null) {
      _codec = message<IntroductionRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.bits != null && obj.bits !== 0)) {
          w.uint32(8)
          w.uint32(obj.bits)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          bits: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.bits = reader.uint32()
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
                field: `${prefix}.bits`,
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

  export interface IntroductionRequestBitsFieldEvent {
    field: '$.bits'
    value: number
  }

  export function encode (obj: Partial<IntroductionRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, IntroductionRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IntroductionRequest>): IntroductionRequest {
    return decodeMessage(buf, IntroductionRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<IntroductionRequest>): Generator<IntroductionRequestBitsFieldEvent> {
    return streamMessage(buf, IntroductionRequest.codec(), opts)
  }
}
