import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Invite {
  publicKey: Uint8Array<ArrayBuffer>
  nickname: string
  addrs: Uint8Array<ArrayBuffer>[]
  createdAt: bigint
  signature: Uint8Array<ArrayBuffer>
  prekeys?: Uint8Array<ArrayBuffer>
  queues: MailboxQueue[]
}

export namespace Invite {
  let _codec: Codec<Invite>

  export const codec = (): Codec<Invite> => {
    if (_codec == null) {
      _codec = message<Invite>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.publicKey)
        }

        if ((obj.nickname != null && obj.nickname !== '')) {
          w.uint32(18)
          w.string(obj.nickname)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(26)
            w.bytes(value)
          }
        }

        if ((obj.createdAt != null && obj.createdAt !== 0n)) {
          w.uint32(32)
          w.uint64(obj.createdAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (obj.prekeys != null) {
          w.uint32(50)
          w.bytes(obj.prekeys)
        }

        if (obj.queues != null && obj.queues.length > 0) {
          for (const value of obj.queues) {
            w.uint32(242)
            MailboxQueue.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          publicKey: uint8ArrayAlloc(0),
          nickname: '',
          addrs: [],
          createdAt: 0n,
          signature: uint8ArrayAlloc(0),
          queues: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.publicKey = reader.bytes()
              break
            }
            case 2: {
              obj.nickname = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
              break
            }
            case 4: {
              obj.createdAt = reader.uint64()
              break
            }
            case 5: {
              obj.signature = reader.bytes()
              break
            }
            case 6: {
              obj.prekeys = reader.bytes()
              break
            }
            case 30: {
              if (opts.limits?.queues != null && obj.queues.length === opts.limits.queues) {
                throw new MaxLengthError('Decode error - repeated field "queues" had too many elements')
              }

              if (obj.queues.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "queues" had too many elements')
              }

              obj.queues.push(MailboxQueue.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.queues$
              }))
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
          addrs: 0,
          queues: 8
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.publicKey`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nickname`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              yield {
                field: `${prefix}.addrs[]`,
                index: obj.addrs,
                value: reader.bytes()
              }

              obj.addrs++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.createdAt`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.prekeys`,
                value: reader.bytes()
              }
              break
            }
            case 30: {
              if (opts.limits?.queues != null && obj.queues === opts.limits.queues) {
                throw new MaxLengthError('Streaming decode error - repeated field "queues" had too many elements')
              }

              if (obj.queues === 8) {
                throw new MaxLengthError('Streaming decode error - repeated field "queues" had too many elements')
              }

              for (const evt of MailboxQueue.codec().stream(reader, reader.uint32(), `${prefix}.queues[]`, {
                limits: opts.limits?.queues$
              })) {
                yield {
                  ...evt,
                  index: obj.queues
                }
              }

              obj.queues++

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

  export interface InvitePublicKeyFieldEvent {
    field: '$.publicKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteNicknameFieldEvent {
    field: '$.nickname'
    value: string
  }

  export interface InviteAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteCreatedAtFieldEvent {
    field: '$.createdAt'
    value: bigint
  }

  export interface InviteSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InvitePrekeysFieldEvent {
    field: '$.prekeys'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InviteQueuesRelayFieldEvent {
    field: '$.queues[].relay'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface InviteQueuesQueueFieldEvent {
    field: '$.queues[].queue'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface InviteQueuesTokenFieldEvent {
    field: '$.queues[].token'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Invite>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Invite.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Invite {
    return decodeMessage(buf, Invite.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Generator<InvitePublicKeyFieldEvent | InviteNicknameFieldEvent | InviteAddrsFieldEvent | InviteCreatedAtFieldEvent | InviteSignatureFieldEvent | InvitePrekeysFieldEvent | InviteQueuesRelayFieldEvent | InviteQueuesQueueFieldEvent | InviteQueuesTokenFieldEvent> {
    return streamMessage(buf, Invite.codec(), opts)
  }
}

export interface MailboxQueue {
  relay: Uint8Array<ArrayBuffer>
  queue: Uint8Array<ArrayBuffer>
  token: Uint8Array<ArrayBuffer>
}

export namespace MailboxQueue {
  let _codec: Codec<MailboxQueue>

  export const codec = (): Codec<MailboxQueue> => {
    if (_codec == null) {
      _codec = message<MailboxQueue>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.relay != null && obj.relay.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.relay)
        }

        if ((obj.queue != null && obj.queue.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.queue)
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.token)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          relay: uint8ArrayAlloc(0),
          queue: uint8ArrayAlloc(0),
          token: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.relay = reader.bytes()
              break
            }
            case 2: {
              obj.queue = reader.bytes()
              break
            }
            case 3: {
              obj.token = reader.bytes()
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
                field: `${prefix}.relay`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.queue`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.token`,
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

  export interface MailboxQueueRelayFieldEvent {
    field: '$.relay'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxQueueQueueFieldEvent {
    field: '$.queue'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxQueueTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MailboxQueue>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailboxQueue.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxQueue>): MailboxQueue {
    return decodeMessage(buf, MailboxQueue.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxQueue>): Generator<MailboxQueueRelayFieldEvent | MailboxQueueQueueFieldEvent | MailboxQueueTokenFieldEvent> {
    return streamMessage(buf, MailboxQueue.codec(), opts)
  }
}

export interface MailboxQueues {
  queues: MailboxQueue[]
}

export namespace MailboxQueues {
  let _codec: Codec<MailboxQueues>

  export const codec = (): Codec<MailboxQueues> => {
    if (_codec == null) {
      _codec = message<MailboxQueues>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.queues != null && obj.queues.length > 0) {
          for (const value of obj.queues) {
            w.uint32(10)
            MailboxQueue.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          queues: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.queues != null && obj.queues.length === opts.limits.queues) {
                throw new MaxLengthError('Decode error - repeated field "queues" had too many elements')
              }

              if (obj.queues.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "queues" had too many elements')
              }

              obj.queues.push(MailboxQueue.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.queues$
              }))
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
          queues: 8
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.queues != null && obj.queues === opts.limits.queues) {
                throw new MaxLengthError('Streaming decode error - repeated field "queues" had too many elements')
              }

              if (obj.queues === 8) {
                throw new MaxLengthError('Streaming decode error - repeated field "queues" had too many elements')
              }

              for (const evt of MailboxQueue.codec().stream(reader, reader.uint32(), `${prefix}.queues[]`, {
                limits: opts.limits?.queues$
              })) {
                yield {
                  ...evt,
                  index: obj.queues
                }
              }

              obj.queues++

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

  export interface MailboxQueuesQueuesRelayFieldEvent {
    field: '$.queues[].relay'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxQueuesQueuesQueueFieldEvent {
    field: '$.queues[].queue'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxQueuesQueuesTokenFieldEvent {
    field: '$.queues[].token'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<MailboxQueues>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailboxQueues.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxQueues>): MailboxQueues {
    return decodeMessage(buf, MailboxQueues.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxQueues>): Generator<MailboxQueuesQueuesRelayFieldEvent | MailboxQueuesQueuesQueueFieldEvent | MailboxQueuesQueuesTokenFieldEvent> {
    return streamMessage(buf, MailboxQueues.codec(), opts)
  }
}
