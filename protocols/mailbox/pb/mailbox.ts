/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface MailboxRequest {
  open?: Open
  deposit?: Deposit
  fetch?: Fetch
  delete?: Delete
  publishPrekeys?: PublishPrekeys
  fetchPrekeys?: FetchPrekeys
  close?: Close
  fetchMany?: FetchMany
  queue: Uint8Array<ArrayBuffer>
  timestamp: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace MailboxRequest {
  let _codec: Codec<MailboxRequest>

  export const codec = (): Codec<MailboxRequest> => {
    if (_codec == null) {
      _codec = message<MailboxRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        obj = { ...obj }

        if (obj.fetchMany != null) {
          obj.close = undefined
          obj.fetchPrekeys = undefined
          obj.publishPrekeys = undefined
          obj.delete = undefined
          obj.fetch = undefined
          obj.deposit = undefined
          obj.open = undefined
        }

        if (obj.close != null) {
          obj.fetchMany = undefined
          obj.fetchPrekeys = undefined
          obj.publishPrekeys = undefined
          obj.delete = undefined
          obj.fetch = undefined
          obj.deposit = undefined
          obj.open = undefined
        }

        if (obj.fetchPrekeys != null) {
          obj.fetchMany = undefined
          obj.close = undefined
          obj.publishPrekeys = undefined
          obj.delete = undefined
          obj.fetch = undefined
          obj.deposit = undefined
          obj.open = undefined
        }

        if (obj.publishPrekeys != null) {
          obj.fetchMany = undefined
          obj.close = undefined
          obj.fetchPrekeys = undefined
          obj.delete = undefined
          obj.fetch = undefined
          obj.deposit = undefined
          obj.open = undefined
        }

        if (obj.delete != null) {
          obj.fetchMany = undefined
          obj.close = undefined
          obj.fetchPrekeys = undefined
          obj.publishPrekeys = undefined
          obj.fetch = undefined
          obj.deposit = undefined
          obj.open = undefined
        }

        if (obj.fetch != null) {
          obj.fetchMany = undefined
          obj.close = undefined
          obj.fetchPrekeys = undefined
          obj.publishPrekeys = undefined
          obj.delete = undefined
          obj.deposit = undefined
          obj.open = undefined
        }

        if (obj.deposit != null) {
          obj.fetchMany = undefined
          obj.close = undefined
          obj.fetchPrekeys = undefined
          obj.publishPrekeys = undefined
          obj.delete = undefined
          obj.fetch = undefined
          obj.open = undefined
        }

        if (obj.open != null) {
          obj.fetchMany = undefined
          obj.close = undefined
          obj.fetchPrekeys = undefined
          obj.publishPrekeys = undefined
          obj.delete = undefined
          obj.fetch = undefined
          obj.deposit = undefined
        }

        if (obj.open != null) {
          w.uint32(10)
          Open.codec().encode(obj.open, w)
        }

        if (obj.deposit != null) {
          w.uint32(18)
          Deposit.codec().encode(obj.deposit, w)
        }

        if (obj.fetch != null) {
          w.uint32(26)
          Fetch.codec().encode(obj.fetch, w)
        }

        if (obj.delete != null) {
          w.uint32(34)
          Delete.codec().encode(obj.delete, w)
        }

        if (obj.publishPrekeys != null) {
          w.uint32(42)
          PublishPrekeys.codec().encode(obj.publishPrekeys, w)
        }

        if (obj.fetchPrekeys != null) {
          w.uint32(50)
          FetchPrekeys.codec().encode(obj.fetchPrekeys, w)
        }

        if (obj.close != null) {
          w.uint32(58)
          Close.codec().encode(obj.close, w)
        }

        if (obj.fetchMany != null) {
          w.uint32(66)
          FetchMany.codec().encode(obj.fetchMany, w)
        }

        if ((obj.queue != null && obj.queue.byteLength > 0)) {
          w.uint32(82)
          w.bytes(obj.queue)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(88)
          w.uint64(obj.timestamp)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(98)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          queue: uint8ArrayAlloc(0),
          timestamp: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.open = Open.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.open
              })
              break
            }
            case 2: {
              obj.deposit = Deposit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.deposit
              })
              break
            }
            case 3: {
              obj.fetch = Fetch.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetch
              })
              break
            }
            case 4: {
              obj.delete = Delete.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.delete
              })
              break
            }
            case 5: {
              obj.publishPrekeys = PublishPrekeys.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.publishPrekeys
              })
              break
            }
            case 6: {
              obj.fetchPrekeys = FetchPrekeys.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetchPrekeys
              })
              break
            }
            case 7: {
              obj.close = Close.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.close
              })
              break
            }
            case 8: {
              obj.fetchMany = FetchMany.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fetchMany
              })
              break
            }
            case 10: {
              obj.queue = reader.bytes()
              break
            }
            case 11: {
              obj.timestamp = reader.uint64()
              break
            }
            case 12: {
              obj.signature = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        if (obj.fetchMany != null) {
          delete obj.close
          delete obj.fetchPrekeys
          delete obj.publishPrekeys
          delete obj.delete
          delete obj.fetch
          delete obj.deposit
          delete obj.open
        }

        if (obj.close != null) {
          delete obj.fetchMany
          delete obj.fetchPrekeys
          delete obj.publishPrekeys
          delete obj.delete
          delete obj.fetch
          delete obj.deposit
          delete obj.open
        }

        if (obj.fetchPrekeys != null) {
          delete obj.fetchMany
          delete obj.close
          delete obj.publishPrekeys
          delete obj.delete
          delete obj.fetch
          delete obj.deposit
          delete obj.open
        }

        if (obj.publishPrekeys != null) {
          delete obj.fetchMany
          delete obj.close
          delete obj.fetchPrekeys
          delete obj.delete
          delete obj.fetch
          delete obj.deposit
          delete obj.open
        }

        if (obj.delete != null) {
          delete obj.fetchMany
          delete obj.close
          delete obj.fetchPrekeys
          delete obj.publishPrekeys
          delete obj.fetch
          delete obj.deposit
          delete obj.open
        }

        if (obj.fetch != null) {
          delete obj.fetchMany
          delete obj.close
          delete obj.fetchPrekeys
          delete obj.publishPrekeys
          delete obj.delete
          delete obj.deposit
          delete obj.open
        }

        if (obj.deposit != null) {
          delete obj.fetchMany
          delete obj.close
          delete obj.fetchPrekeys
          delete obj.publishPrekeys
          delete obj.delete
          delete obj.fetch
          delete obj.open
        }

        if (obj.open != null) {
          delete obj.fetchMany
          delete obj.close
          delete obj.fetchPrekeys
          delete obj.publishPrekeys
          delete obj.delete
          delete obj.fetch
          delete obj.deposit
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * Open.codec().stream(reader, reader.uint32(), `${prefix}.open`, {
                limits: opts.limits?.open
              })

              break
            }
            case 2: {
              yield * Deposit.codec().stream(reader, reader.uint32(), `${prefix}.deposit`, {
                limits: opts.limits?.deposit
              })

              break
            }
            case 3: {
              yield * Fetch.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                limits: opts.limits?.fetch
              })

              break
            }
            case 4: {
              yield * Delete.codec().stream(reader, reader.uint32(), `${prefix}.delete`, {
                limits: opts.limits?.delete
              })

              break
            }
            case 5: {
              yield * PublishPrekeys.codec().stream(reader, reader.uint32(), `${prefix}.publishPrekeys`, {
                limits: opts.limits?.publishPrekeys
              })

              break
            }
            case 6: {
              yield * FetchPrekeys.codec().stream(reader, reader.uint32(), `${prefix}.fetchPrekeys`, {
                limits: opts.limits?.fetchPrekeys
              })

              break
            }
            case 7: {
              yield * Close.codec().stream(reader, reader.uint32(), `${prefix}.close`, {
                limits: opts.limits?.close
              })

              break
            }
            case 8: {
              yield * FetchMany.codec().stream(reader, reader.uint32(), `${prefix}.fetchMany`, {
                limits: opts.limits?.fetchMany
              })

              break
            }
            case 10: {
              yield {
                field: `${prefix}.queue`,
                value: reader.bytes()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.signature`,
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

  export interface MailboxRequestOpenKeyFieldEvent {
    field: '$.open.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestOpenDepositHashFieldEvent {
    field: '$.open.depositHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestOpenWorkFieldEvent {
    field: '$.open.work'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestDepositTokenFieldEvent {
    field: '$.deposit.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestDepositEnvelopeFieldEvent {
    field: '$.deposit.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestDepositExpiresAtFieldEvent {
    field: '$.deposit.expiresAt'
    value: bigint
  }

  export interface MailboxRequestFetchLimitFieldEvent {
    field: '$.fetch.limit'
    value: number
  }

  export interface MailboxRequestDeleteIdsFieldEvent {
    field: '$.delete.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestPublishPrekeysBundleFieldEvent {
    field: '$.publishPrekeys.bundle'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestFetchPrekeysTokenFieldEvent {
    field: '$.fetchPrekeys.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestFetchManyQueuesQueueFieldEvent {
    field: '$.fetchMany.queues[].queue'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxRequestFetchManyQueuesTimestampFieldEvent {
    field: '$.fetchMany.queues[].timestamp'
    value: bigint
    index: number
  }

  export interface MailboxRequestFetchManyQueuesSignatureFieldEvent {
    field: '$.fetchMany.queues[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxRequestFetchManyLimitFieldEvent {
    field: '$.fetchMany.limit'
    value: number
  }

  export interface MailboxRequestQueueFieldEvent {
    field: '$.queue'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxRequestTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface MailboxRequestSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<MailboxRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailboxRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxRequest>): MailboxRequest {
    return decodeMessage(buf, MailboxRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxRequest>): Generator<MailboxRequestOpenKeyFieldEvent | MailboxRequestOpenDepositHashFieldEvent | MailboxRequestOpenWorkFieldEvent | MailboxRequestDepositTokenFieldEvent | MailboxRequestDepositEnvelopeFieldEvent | MailboxRequestDepositExpiresAtFieldEvent | MailboxRequestFetchLimitFieldEvent | MailboxRequestDeleteIdsFieldEvent | MailboxRequestPublishPrekeysBundleFieldEvent | MailboxRequestFetchPrekeysTokenFieldEvent | MailboxRequestFetchManyQueuesQueueFieldEvent | MailboxRequestFetchManyQueuesTimestampFieldEvent | MailboxRequestFetchManyQueuesSignatureFieldEvent | MailboxRequestFetchManyLimitFieldEvent | MailboxRequestQueueFieldEvent | MailboxRequestTimestampFieldEvent | MailboxRequestSignatureFieldEvent> {
    return streamMessage(buf, MailboxRequest.codec(), opts)
  }
}

export interface Open {
  key: Uint8Array<ArrayBuffer>
  depositHash: Uint8Array<ArrayBuffer>
  work: Uint8Array<ArrayBuffer>
}

export namespace Open {
  let _codec: Codec<Open>

  export const codec = (): Codec<Open> => {
    if (_codec == null) {
      _codec = message<Open>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.key)
        }

        if ((obj.depositHash != null && obj.depositHash.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.depositHash)
        }

        if ((obj.work != null && obj.work.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.work)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: uint8ArrayAlloc(0),
          depositHash: uint8ArrayAlloc(0),
          work: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.bytes()
              break
            }
            case 2: {
              obj.depositHash = reader.bytes()
              break
            }
            case 3: {
              obj.work = reader.bytes()
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
                field: `${prefix}.key`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.depositHash`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.work`,
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

  export interface OpenKeyFieldEvent {
    field: '$.key'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OpenDepositHashFieldEvent {
    field: '$.depositHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface OpenWorkFieldEvent {
    field: '$.work'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Open>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Open.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Open>): Open {
    return decodeMessage(buf, Open.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Open>): Generator<OpenKeyFieldEvent | OpenDepositHashFieldEvent | OpenWorkFieldEvent> {
    return streamMessage(buf, Open.codec(), opts)
  }
}

export interface Deposit {
  token: Uint8Array<ArrayBuffer>
  envelope: Uint8Array<ArrayBuffer>
  expiresAt: bigint
}

export namespace Deposit {
  let _codec: Codec<Deposit>

  export const codec = (): Codec<Deposit> => {
    if (_codec == null) {
      _codec = message<Deposit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.token)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.envelope)
        }

        if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
          w.uint32(24)
          w.uint64(obj.expiresAt)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: uint8ArrayAlloc(0),
          envelope: uint8ArrayAlloc(0),
          expiresAt: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.token = reader.bytes()
              break
            }
            case 2: {
              obj.envelope = reader.bytes()
              break
            }
            case 3: {
              obj.expiresAt = reader.uint64()
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
                field: `${prefix}.token`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expiresAt`,
                value: reader.uint64()
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

  export interface DepositTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DepositEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface DepositExpiresAtFieldEvent {
    field: '$.expiresAt'
    value: bigint
  }

  export function encode (obj: Partial<Deposit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Deposit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Deposit {
    return decodeMessage(buf, Deposit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Deposit>): Generator<DepositTokenFieldEvent | DepositEnvelopeFieldEvent | DepositExpiresAtFieldEvent> {
    return streamMessage(buf, Deposit.codec(), opts)
  }
}

export interface Fetch {
  limit: number
}

export namespace Fetch {
  let _codec: Codec<Fetch>

  export const codec = (): Codec<Fetch> => {
    if (_codec == null) {
      _codec = message<Fetch>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(8)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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

  export interface FetchLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<Fetch>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Fetch.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Fetch {
    return decodeMessage(buf, Fetch.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Fetch>): Generator<FetchLimitFieldEvent> {
    return streamMessage(buf, Fetch.codec(), opts)
  }
}

export interface FetchMany {
  queues: SignedQueue[]
  limit: number
}

export namespace FetchMany {
  let _codec: Codec<FetchMany>

  export const codec = (): Codec<FetchMany> => {
    if (_codec == null) {
      _codec = message<FetchMany>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.queues != null && obj.queues.length > 0) {
          for (const value of obj.queues) {
            w.uint32(10)
            SignedQueue.codec().encode(value, w)
          }
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(16)
          w.uint32(obj.limit)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          queues: [],
          limit: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.queues != null && obj.queues.length === opts.limits.queues) {
                throw new MaxLengthError('Decode error - repeated field "queues" had too many elements')
              }

              if (obj.queues.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "queues" had too many elements')
              }

              obj.queues.push(SignedQueue.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.queues$
              }))
              break
            }
            case 2: {
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
        const obj = {
          queues: 256
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.queues != null && obj.queues === opts.limits.queues) {
                throw new MaxLengthError('Streaming decode error - repeated field "queues" had too many elements')
              }

              if (obj.queues === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "queues" had too many elements')
              }

              for (const evt of SignedQueue.codec().stream(reader, reader.uint32(), `${prefix}.queues[]`, {
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
            case 2: {
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

  export interface FetchManyQueuesQueueFieldEvent {
    field: '$.queues[].queue'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchManyQueuesTimestampFieldEvent {
    field: '$.queues[].timestamp'
    value: bigint
    index: number
  }

  export interface FetchManyQueuesSignatureFieldEvent {
    field: '$.queues[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface FetchManyLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export function encode (obj: Partial<FetchMany>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchMany.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchMany>): FetchMany {
    return decodeMessage(buf, FetchMany.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchMany>): Generator<FetchManyQueuesQueueFieldEvent | FetchManyQueuesTimestampFieldEvent | FetchManyQueuesSignatureFieldEvent | FetchManyLimitFieldEvent> {
    return streamMessage(buf, FetchMany.codec(), opts)
  }
}

export interface SignedQueue {
  queue: Uint8Array<ArrayBuffer>
  timestamp: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace SignedQueue {
  let _codec: Codec<SignedQueue>

  export const codec = (): Codec<SignedQueue> => {
    if (_codec == null) {
      _codec = message<SignedQueue>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.queue != null && obj.queue.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.queue)
        }

        if ((obj.timestamp != null && obj.timestamp !== 0n)) {
          w.uint32(16)
          w.uint64(obj.timestamp)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          queue: uint8ArrayAlloc(0),
          timestamp: 0n,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.queue = reader.bytes()
              break
            }
            case 2: {
              obj.timestamp = reader.uint64()
              break
            }
            case 3: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.queue`,
                value: reader.bytes()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.timestamp`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signature`,
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

  export interface SignedQueueQueueFieldEvent {
    field: '$.queue'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SignedQueueTimestampFieldEvent {
    field: '$.timestamp'
    value: bigint
  }

  export interface SignedQueueSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SignedQueue>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SignedQueue.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedQueue>): SignedQueue {
    return decodeMessage(buf, SignedQueue.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedQueue>): Generator<SignedQueueQueueFieldEvent | SignedQueueTimestampFieldEvent | SignedQueueSignatureFieldEvent> {
    return streamMessage(buf, SignedQueue.codec(), opts)
  }
}

export interface Delete {
  ids: Uint8Array<ArrayBuffer>[]
}

export namespace Delete {
  let _codec: Codec<Delete>

  export const codec = (): Codec<Delete> => {
    if (_codec == null) {
      _codec = message<Delete>((obj, w, opts = {}) => {
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

              if (obj.ids.length === 1024) {
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
          ids: 1024
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements')
              }

              if (obj.ids === 1024) {
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

  export interface DeleteIdsFieldEvent {
    field: '$.ids[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Delete>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Delete.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delete>): Delete {
    return decodeMessage(buf, Delete.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Delete>): Generator<DeleteIdsFieldEvent> {
    return streamMessage(buf, Delete.codec(), opts)
  }
}

export interface PublishPrekeys {
  bundle: Uint8Array<ArrayBuffer>
}

export namespace PublishPrekeys {
  let _codec: Codec<PublishPrekeys>

  export const codec = (): Codec<PublishPrekeys> => {
    if (_codec == null) {
      _codec = message<PublishPrekeys>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.bundle != null && obj.bundle.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.bundle)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          bundle: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.bundle = reader.bytes()
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
                field: `${prefix}.bundle`,
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

  export interface PublishPrekeysBundleFieldEvent {
    field: '$.bundle'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PublishPrekeys>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PublishPrekeys.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishPrekeys>): PublishPrekeys {
    return decodeMessage(buf, PublishPrekeys.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishPrekeys>): Generator<PublishPrekeysBundleFieldEvent> {
    return streamMessage(buf, PublishPrekeys.codec(), opts)
  }
}

export interface Close {}

export namespace Close {
  let _codec: Codec<Close>

  export const codec = (): Codec<Close> => {
    if (_codec == null) {
      _codec = message<Close>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
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

  export function encode (obj: Partial<Close>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Close.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Close>): Close {
    return decodeMessage(buf, Close.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Close>): Generator<{}> {
    return streamMessage(buf, Close.codec(), opts)
  }
}

export interface FetchPrekeys {
  token: Uint8Array<ArrayBuffer>
}

export namespace FetchPrekeys {
  let _codec: Codec<FetchPrekeys>

  export const codec = (): Codec<FetchPrekeys> => {
    if (_codec == null) {
      _codec = message<FetchPrekeys>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.token != null && obj.token.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.token)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          token: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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

  export interface FetchPrekeysTokenFieldEvent {
    field: '$.token'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<FetchPrekeys>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FetchPrekeys.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchPrekeys>): FetchPrekeys {
    return decodeMessage(buf, FetchPrekeys.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchPrekeys>): Generator<FetchPrekeysTokenFieldEvent> {
    return streamMessage(buf, FetchPrekeys.codec(), opts)
  }
}

export enum MailboxStatus {
  OK = 'OK',
  FULL = 'FULL',
  RATE_LIMITED = 'RATE_LIMITED',
  TOO_LARGE = 'TOO_LARGE',
  INVALID = 'INVALID',
  UNAVAILABLE = 'UNAVAILABLE',
  DENIED = 'DENIED',
  WORK = 'WORK'
}

enum __MailboxStatusValues {
  OK = 0,
  FULL = 1,
  RATE_LIMITED = 2,
  TOO_LARGE = 3,
  INVALID = 4,
  UNAVAILABLE = 5,
  DENIED = 6,
  WORK = 7
}

export namespace MailboxStatus {
  export const codec = (): Codec<MailboxStatus> => {
    return enumeration<MailboxStatus>(__MailboxStatusValues)
  }
}

export interface Item {
  id: Uint8Array<ArrayBuffer>
  envelope: Uint8Array<ArrayBuffer>
  queue: Uint8Array<ArrayBuffer>
}

export namespace Item {
  let _codec: Codec<Item>

  export const codec = (): Codec<Item> => {
    if (_codec == null) {
      _codec = message<Item>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.id)
        }

        if ((obj.envelope != null && obj.envelope.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.envelope)
        }

        if ((obj.queue != null && obj.queue.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.queue)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: uint8ArrayAlloc(0),
          envelope: uint8ArrayAlloc(0),
          queue: uint8ArrayAlloc(0)
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
              obj.envelope = reader.bytes()
              break
            }
            case 3: {
              obj.queue = reader.bytes()
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
                field: `${prefix}.envelope`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.queue`,
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

  export interface ItemIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ItemEnvelopeFieldEvent {
    field: '$.envelope'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ItemQueueFieldEvent {
    field: '$.queue'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Item>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Item.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Item>): Item {
    return decodeMessage(buf, Item.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Item>): Generator<ItemIdFieldEvent | ItemEnvelopeFieldEvent | ItemQueueFieldEvent> {
    return streamMessage(buf, Item.codec(), opts)
  }
}

export interface MailboxResponse {
  status: MailboxStatus
  items: Item[]
  more: boolean
  prekeys: Uint8Array<ArrayBuffer>
  moreQueues: Uint8Array<ArrayBuffer>[]
  deniedQueues: Uint8Array<ArrayBuffer>[]
  workBits: number
}

export namespace MailboxResponse {
  let _codec: Codec<MailboxResponse>

  export const codec = (): Codec<MailboxResponse> => {
    if (_codec == null) {
      _codec = message<MailboxResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.status != null && __MailboxStatusValues[obj.status] !== 0) {
          w.uint32(8)
          MailboxStatus.codec().encode(obj.status, w)
        }

        if (obj.items != null && obj.items.length > 0) {
          for (const value of obj.items) {
            w.uint32(18)
            Item.codec().encode(value, w)
          }
        }

        if ((obj.more != null && obj.more !== false)) {
          w.uint32(24)
          w.bool(obj.more)
        }

        if ((obj.prekeys != null && obj.prekeys.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.prekeys)
        }

        if (obj.moreQueues != null && obj.moreQueues.length > 0) {
          for (const value of obj.moreQueues) {
            w.uint32(42)
            w.bytes(value)
          }
        }

        if (obj.deniedQueues != null && obj.deniedQueues.length > 0) {
          for (const value of obj.deniedQueues) {
            w.uint32(50)
            w.bytes(value)
          }
        }

        if ((obj.workBits != null && obj.workBits !== 0)) {
          w.uint32(56)
          w.uint32(obj.workBits)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: MailboxStatus.OK,
          items: [],
          more: false,
          prekeys: uint8ArrayAlloc(0),
          moreQueues: [],
          deniedQueues: [],
          workBits: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = MailboxStatus.codec().decode(reader)
              break
            }
            case 2: {
              if (opts.limits?.items != null && obj.items.length === opts.limits.items) {
                throw new MaxLengthError('Decode error - repeated field "items" had too many elements')
              }

              if (obj.items.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "items" had too many elements')
              }

              obj.items.push(Item.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.items$
              }))
              break
            }
            case 3: {
              obj.more = reader.bool()
              break
            }
            case 4: {
              obj.prekeys = reader.bytes()
              break
            }
            case 5: {
              if (opts.limits?.moreQueues != null && obj.moreQueues.length === opts.limits.moreQueues) {
                throw new MaxLengthError('Decode error - repeated field "moreQueues" had too many elements')
              }

              if (obj.moreQueues.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "moreQueues" had too many elements')
              }

              obj.moreQueues.push(reader.bytes())
              break
            }
            case 6: {
              if (opts.limits?.deniedQueues != null && obj.deniedQueues.length === opts.limits.deniedQueues) {
                throw new MaxLengthError('Decode error - repeated field "deniedQueues" had too many elements')
              }

              if (obj.deniedQueues.length === 256) {
                throw new MaxLengthError('Decode error - repeated field "deniedQueues" had too many elements')
              }

              obj.deniedQueues.push(reader.bytes())
              break
            }
            case 7: {
              obj.workBits = reader.uint32()
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
          items: 1024,
          moreQueues: 256,
          deniedQueues: 256
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: MailboxStatus.codec().decode(reader)
              }
              break
            }
            case 2: {
              if (opts.limits?.items != null && obj.items === opts.limits.items) {
                throw new MaxLengthError('Streaming decode error - repeated field "items" had too many elements')
              }

              if (obj.items === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "items" had too many elements')
              }

              for (const evt of Item.codec().stream(reader, reader.uint32(), `${prefix}.items[]`, {
                limits: opts.limits?.items$
              })) {
                yield {
                  ...evt,
                  index: obj.items
                }
              }

              obj.items++

              break
            }
            case 3: {
              yield {
                field: `${prefix}.more`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.prekeys`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              if (opts.limits?.moreQueues != null && obj.moreQueues === opts.limits.moreQueues) {
                throw new MaxLengthError('Streaming decode error - repeated field "moreQueues" had too many elements')
              }

              if (obj.moreQueues === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "moreQueues" had too many elements')
              }

              yield {
                field: `${prefix}.moreQueues[]`,
                index: obj.moreQueues,
                value: reader.bytes()
              }

              obj.moreQueues++

              break
            }
            case 6: {
              if (opts.limits?.deniedQueues != null && obj.deniedQueues === opts.limits.deniedQueues) {
                throw new MaxLengthError('Streaming decode error - repeated field "deniedQueues" had too many elements')
              }

              if (obj.deniedQueues === 256) {
                throw new MaxLengthError('Streaming decode error - repeated field "deniedQueues" had too many elements')
              }

              yield {
                field: `${prefix}.deniedQueues[]`,
                index: obj.deniedQueues,
                value: reader.bytes()
              }

              obj.deniedQueues++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.workBits`,
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

  export interface MailboxResponseStatusFieldEvent {
    field: '$.status'
    value: MailboxStatus
  }

  export interface MailboxResponseItemsIdFieldEvent {
    field: '$.items[].id'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxResponseItemsEnvelopeFieldEvent {
    field: '$.items[].envelope'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxResponseItemsQueueFieldEvent {
    field: '$.items[].queue'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface MailboxResponseMoreFieldEvent {
    field: '$.more'
    value: boolean
  }

  export interface MailboxResponsePrekeysFieldEvent {
    field: '$.prekeys'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxResponseMoreQueuesFieldEvent {
    field: '$.moreQueues[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxResponseDeniedQueuesFieldEvent {
    field: '$.deniedQueues[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface MailboxResponseWorkBitsFieldEvent {
    field: '$.workBits'
    value: number
  }

  export function encode (obj: Partial<MailboxResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MailboxResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxResponse>): MailboxResponse {
    return decodeMessage(buf, MailboxResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxResponse>): Generator<MailboxResponseStatusFieldEvent | MailboxResponseItemsIdFieldEvent | MailboxResponseItemsEnvelopeFieldEvent | MailboxResponseItemsQueueFieldEvent | MailboxResponseMoreFieldEvent | MailboxResponsePrekeysFieldEvent | MailboxResponseMoreQueuesFieldEvent | MailboxResponseDeniedQueuesFieldEvent | MailboxResponseWorkBitsFieldEvent> {
    return streamMessage(buf, MailboxResponse.codec(), opts)
  }
}
