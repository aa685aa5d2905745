import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface GroupEnvelope {
  version: number
  nonce: Uint8Array<ArrayBuffer>
  ciphertext: Uint8Array<ArrayBuffer>
}

export namespace GroupEnvelope {
  let _codec: Codec<GroupEnvelope>

  export const codec = (): Codec<GroupEnvelope> => {
    if (_codec == null) {
      _codec = message<GroupEnvelope>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.nonce)
        }

        if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.ciphertext)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          nonce: uint8ArrayAlloc(0),
          ciphertext: uint8ArrayAlloc(0)
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
              obj.nonce = reader.bytes()
              break
            }
            case 3: {
              obj.ciphertext = reader.bytes()
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
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.ciphertext`,
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

  export interface GroupEnvelopeVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface GroupEnvelopeNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupEnvelopeCiphertextFieldEvent {
    field: '$.ciphertext'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupEnvelope>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupEnvelope.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupEnvelope>): GroupEnvelope {
    return decodeMessage(buf, GroupEnvelope.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupEnvelope>): Generator<GroupEnvelopeVersionFieldEvent | GroupEnvelopeNonceFieldEvent | GroupEnvelopeCiphertextFieldEvent> {
    return streamMessage(buf, GroupEnvelope.codec(), opts)
  }
}

export enum GroupMessageKind {
  TEXT = 'TEXT',
  JOIN = 'JOIN',
  LEAVE = 'LEAVE',
  REMOVE = 'REMOVE',
  REVOKE = 'REVOKE'
}

enum __GroupMessageKindValues {
  TEXT = 0,
  JOIN = 1,
  LEAVE = 2,
  REMOVE = 3,
  REVOKE = 4
}

export namespace GroupMessageKind {
  export const codec = (): Codec<GroupMessageKind> => {
    return enumeration<GroupMessageKind>(__GroupMessageKindValues)
  }
}

export interface GroupMessage {
  group: Uint8Array<ArrayBuffer>
  id: Uint8Array<ArrayBuffer>
  lamport: bigint
  prev: Uint8Array<ArrayBuffer>
  sentAt: bigint
  author: Uint8Array<ArrayBuffer>
  kind: GroupMessageKind
  body: string
  subject?: string
  epoch?: bigint
  signature: Uint8Array<ArrayBuffer>
  editor?: Uint8Array<ArrayBuffer>
  file?: Uint8Array<ArrayBuffer>
}

export namespace GroupMessage {
  let _codec: Codec<GroupMessage>

  export const codec = (): Codec<GroupMessage> => {
    if (_codec == null) {
      _codec = message<GroupMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if ((obj.id != null && obj.id.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.id)
        }

        if ((obj.lamport != null && obj.lamport !== 0n)) {
          w.uint32(24)
          w.uint64(obj.lamport)
        }

        if ((obj.prev != null && obj.prev.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.prev)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0n)) {
          w.uint32(40)
          w.uint64(obj.sentAt)
        }

        if ((obj.author != null && obj.author.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.author)
        }

        if (obj.kind != null && __GroupMessageKindValues[obj.kind] !== 0) {
          w.uint32(56)
          GroupMessageKind.codec().encode(obj.kind, w)
        }

        if ((obj.body != null && obj.body !== '')) {
          w.uint32(66)
          w.string(obj.body)
        }

        if (obj.subject != null) {
          w.uint32(74)
          w.string(obj.subject)
        }

        if (obj.epoch != null) {
          w.uint32(80)
          w.uint64(obj.epoch)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(90)
          w.bytes(obj.signature)
        }

        if (obj.editor != null) {
          w.uint32(98)
          w.bytes(obj.editor)
        }

        if (obj.file != null) {
          w.uint32(106)
          w.bytes(obj.file)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          id: uint8ArrayAlloc(0),
          lamport: 0n,
          prev: uint8ArrayAlloc(0),
          sentAt: 0n,
          author: uint8ArrayAlloc(0),
          kind: GroupMessageKind.TEXT,
          body: '',
          signature: uint8ArrayAlloc(0)
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
              obj.id = reader.bytes()
              break
            }
            case 3: {
              obj.lamport = reader.uint64()
              break
            }
            case 4: {
              obj.prev = reader.bytes()
              break
            }
            case 5: {
              obj.sentAt = reader.uint64()
              break
            }
            case 6: {
              obj.author = reader.bytes()
              break
            }
            case 7: {
              obj.kind = GroupMessageKind.codec().decode(reader)
              break
            }
            case 8: {
              obj.body = reader.string()
              break
            }
            case 9: {
              obj.subject = reader.string()
              break
            }
            case 10: {
              obj.epoch = reader.uint64()
              break
            }
            case 11: {
              obj.signature = reader.bytes()
              break
            }
            case 12: {
              obj.editor = reader.bytes()
              break
            }
            case 13: {
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
                field: `${prefix}.group`,
                value: reader.bytes()
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
            case 3: {
              yield {
                field: `${prefix}.lamport`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.prev`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.author`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.kind`,
                value: GroupMessageKind.codec().decode(reader)
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.body`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.subject`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.epoch`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.editor`,
                value: reader.bytes()
              }
              break
            }
            case 13: {
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

  export interface GroupMessageGroupFieldEvent {
    field: '$.group'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageIdFieldEvent {
    field: '$.id'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageLamportFieldEvent {
    field: '$.lamport'
    value: bigint
  }

  export interface GroupMessagePrevFieldEvent {
    field: '$.prev'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageSentAtFieldEvent {
    field: '$.sentAt'
    value: bigint
  }

  export interface GroupMessageAuthorFieldEvent {
    field: '$.author'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageKindFieldEvent {
    field: '$.kind'
    value: GroupMessageKind
  }

  export interface GroupMessageBodyFieldEvent {
    field: '$.body'
    value: string
  }

  export interface GroupMessageSubjectFieldEvent {
    field: '$.subject'
    value: string
  }

  export interface GroupMessageEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface GroupMessageSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageEditorFieldEvent {
    field: '$.editor'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupMessageFileFieldEvent {
    field: '$.file'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): GroupMessage {
    return decodeMessage(buf, GroupMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupMessage>): Generator<GroupMessageGroupFieldEvent | GroupMessageIdFieldEvent | GroupMessageLamportFieldEvent | GroupMessagePrevFieldEvent | GroupMessageSentAtFieldEvent | GroupMessageAuthorFieldEvent | GroupMessageKindFieldEvent | GroupMessageBodyFieldEvent | GroupMessageSubjectFieldEvent | GroupMessageEpochFieldEvent | GroupMessageSignatureFieldEvent | GroupMessageEditorFieldEvent | GroupMessageFileFieldEvent> {
    return streamMessage(buf, GroupMessage.codec(), opts)
  }
}

export interface InviteMember {
  peerId: string
  addrs: Uint8Array<ArrayBuffer>[]
}

export namespace InviteMember {
  let _codec: Codec<InviteMember>

  export const codec = (): Codec<InviteMember> => {
    if (_codec == null) {
      _codec = message<InviteMember>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if (obj.addrs != null && obj.addrs.length > 0) {
          for (const value of obj.addrs) {
            w.uint32(18)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          addrs: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs.length === opts.limits.addrs) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              if (obj.addrs.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "addrs" had too many elements')
              }

              obj.addrs.push(reader.bytes())
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
          addrs: 8
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              if (opts.limits?.addrs != null && obj.addrs === opts.limits.addrs) {
                throw new MaxLengthError('Streaming decode error - repeated field "addrs" had too many elements')
              }

              if (obj.addrs === 8) {
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

  export interface InviteMemberPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface InviteMemberAddrsFieldEvent {
    field: '$.addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<InviteMember>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, InviteMember.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteMember>): InviteMember {
    return decodeMessage(buf, InviteMember.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteMember>): Generator<InviteMemberPeerIdFieldEvent | InviteMemberAddrsFieldEvent> {
    return streamMessage(buf, InviteMember.codec(), opts)
  }
}

export interface GroupInvite {
  group: Uint8Array<ArrayBuffer>
  name: string
  epoch: bigint
  secret: Uint8Array<ArrayBuffer>
  admin: string
  members: InviteMember[]
  checksum: Uint8Array<ArrayBuffer>
  nonce: Uint8Array<ArrayBuffer>
  signature: Uint8Array<ArrayBuffer>
  channel: boolean
  editor?: string
  editorCert?: Uint8Array<ArrayBuffer>
}

export namespace GroupInvite {
  let _codec: Codec<GroupInvite>

  export const codec = (): Codec<GroupInvite> => {
    if (_codec == null) {
      _codec = message<GroupInvite>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.group != null && obj.group.byteLength > 0)) {
          w.uint32(10)
          w.bytes(obj.group)
        }

        if ((obj.name != null && obj.name !== '')) {
          w.uint32(18)
          w.string(obj.name)
        }

        if ((obj.epoch != null && obj.epoch !== 0n)) {
          w.uint32(24)
          w.uint64(obj.epoch)
        }

        if ((obj.secret != null && obj.secret.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.secret)
        }

        if ((obj.admin != null && obj.admin !== '')) {
          w.uint32(42)
          w.string(obj.admin)
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(50)
            InviteMember.codec().encode(value, w)
          }
        }

        if ((obj.checksum != null && obj.checksum.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.checksum)
        }

        if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
          w.uint32(66)
          w.bytes(obj.nonce)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(74)
          w.bytes(obj.signature)
        }

        if ((obj.channel != null && obj.channel !== false)) {
          w.uint32(80)
          w.bool(obj.channel)
        }

        if (obj.editor != null) {
          w.uint32(90)
          w.string(obj.editor)
        }

        if (obj.editorCert != null) {
          w.uint32(98)
          w.bytes(obj.editorCert)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          name: '',
          epoch: 0n,
          secret: uint8ArrayAlloc(0),
          admin: '',
          members: [],
          checksum: uint8ArrayAlloc(0),
          nonce: uint8ArrayAlloc(0),
          signature: uint8ArrayAlloc(0),
          channel: false
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
              obj.name = reader.string()
              break
            }
            case 3: {
              obj.epoch = reader.uint64()
              break
            }
            case 4: {
              obj.secret = reader.bytes()
              break
            }
            case 5: {
              obj.admin = reader.string()
              break
            }
            case 6: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              if (obj.members.length === 8) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(InviteMember.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.members$
              }))
              break
            }
            case 7: {
              obj.checksum = reader.bytes()
              break
            }
            case 8: {
              obj.nonce = reader.bytes()
              break
            }
            case 9: {
              obj.signature = reader.bytes()
              break
            }
            case 10: {
              obj.channel = reader.bool()
              break
            }
            case 11: {
              obj.editor = reader.string()
              break
            }
            case 12: {
              obj.editorCert = reader.bytes()
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
          members: 8
        }

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
                field: `${prefix}.name`,
                value: reader.string()
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
                field: `${prefix}.secret`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.admin`,
                value: reader.string()
              }
              break
            }
            case 6: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              if (obj.members === 8) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              for (const evt of InviteMember.codec().stream(reader, reader.uint32(), `${prefix}.members[]`, {
                limits: opts.limits?.members$
              })) {
                yield {
                  ...evt,
                  index: obj.members
                }
              }

              obj.members++

              break
            }
            case 7: {
              yield {
                field: `${prefix}.checksum`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.nonce`,
                value: reader.bytes()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.signature`,
                value: reader.bytes()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.channel`,
                value: reader.bool()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.editor`,
                value: reader.string()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.editorCert`,
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

  export interface GroupInviteGroupFieldEvent {
    field: '$.group'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupInviteNameFieldEvent {
    field: '$.name'
    value: string
  }

  export interface GroupInviteEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface GroupInviteSecretFieldEvent {
    field: '$.secret'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupInviteAdminFieldEvent {
    field: '$.admin'
    value: string
  }

  export interface GroupInviteMembersPeerIdFieldEvent {
    field: '$.members[].peerId'
    value: string
    index: number
  }

  export interface GroupInviteMembersAddrsFieldEvent {
    field: '$.members[].addrs[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupInviteChecksumFieldEvent {
    field: '$.checksum'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupInviteNonceFieldEvent {
    field: '$.nonce'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupInviteSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupInviteChannelFieldEvent {
    field: '$.channel'
    value: boolean
  }

  export interface GroupInviteEditorFieldEvent {
    field: '$.editor'
    value: string
  }

  export interface GroupInviteEditorCertFieldEvent {
    field: '$.editorCert'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupInvite>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupInvite.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupInvite>): GroupInvite {
    return decodeMessage(buf, GroupInvite.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupInvite>): Generator<GroupInviteGroupFieldEvent | GroupInviteNameFieldEvent | GroupInviteEpochFieldEvent | GroupInviteSecretFieldEvent | GroupInviteAdminFieldEvent | GroupInviteMembersPeerIdFieldEvent | GroupInviteMembersAddrsFieldEvent | GroupInviteChecksumFieldEvent | GroupInviteNonceFieldEvent | GroupInviteSignatureFieldEvent | GroupInviteChannelFieldEvent | GroupInviteEditorFieldEvent | GroupInviteEditorCertFieldEvent> {
    return streamMessage(buf, GroupInvite.codec(), opts)
  }
}

export interface GroupControl {
  rekey?: Rekey
}

export namespace GroupControl {
  let _codec: Codec<GroupControl>

  export const codec = (): Codec<GroupControl> => {
    if (_codec == null) {
      _codec = message<GroupControl>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.rekey != null) {
          w.uint32(10)
          Rekey.codec().encode(obj.rekey, w)
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
              obj.rekey = Rekey.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rekey
              })
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
              yield * Rekey.codec().stream(reader, reader.uint32(), `${prefix}.rekey`, {
                limits: opts.limits?.rekey
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

  export interface GroupControlRekeyGroupFieldEvent {
    field: '$.rekey.group'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupControlRekeyEpochFieldEvent {
    field: '$.rekey.epoch'
    value: bigint
  }

  export interface GroupControlRekeySecretFieldEvent {
    field: '$.rekey.secret'
    value: Uint8Array<ArrayBuffer>
  }

  export interface GroupControlRekeyRemovedFieldEvent {
    field: '$.rekey.removed[]'
    index: number
    value: string
  }

  export interface GroupControlRekeyMembersFieldEvent {
    field: '$.rekey.members[]'
    index: number
    value: string
  }

  export interface GroupControlRekeyIssuedAtFieldEvent {
    field: '$.rekey.issuedAt'
    value: bigint
  }

  export interface GroupControlRekeySignatureFieldEvent {
    field: '$.rekey.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<GroupControl>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, GroupControl.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupControl>): GroupControl {
    return decodeMessage(buf, GroupControl.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupControl>): Generator<GroupControlRekeyGroupFieldEvent | GroupControlRekeyEpochFieldEvent | GroupControlRekeySecretFieldEvent | GroupControlRekeyRemovedFieldEvent | GroupControlRekeyMembersFieldEvent | GroupControlRekeyIssuedAtFieldEvent | GroupControlRekeySignatureFieldEvent> {
    return streamMessage(buf, GroupControl.codec(), opts)
  }
}

export interface Rekey {
  group: Uint8Array<ArrayBuffer>
  epoch: bigint
  secret: Uint8Array<ArrayBuffer>
  removed: string[]
  members: string[]
  issuedAt: bigint
  signature: Uint8Array<ArrayBuffer>
}

export namespace Rekey {
  let _codec: Codec<Rekey>

  export const codec = (): Codec<Rekey> => {
    if (_codec == null) {
      _codec = message<Rekey>((obj, w, opts = {}) => {
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

        if ((obj.secret != null && obj.secret.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.secret)
        }

        if (obj.removed != null && obj.removed.length > 0) {
          for (const value of obj.removed) {
            w.uint32(34)
            w.string(value)
          }
        }

        if (obj.members != null && obj.members.length > 0) {
          for (const value of obj.members) {
            w.uint32(42)
            w.string(value)
          }
        }

        if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
          w.uint32(48)
          w.uint64(obj.issuedAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          group: uint8ArrayAlloc(0),
          epoch: 0n,
          secret: uint8ArrayAlloc(0),
          removed: [],
          members: [],
          issuedAt: 0n,
          signature: uint8ArrayAlloc(0)
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
              obj.secret = reader.bytes()
              break
            }
            case 4: {
              if (opts.limits?.removed != null && obj.removed.length === opts.limits.removed) {
                throw new MaxLengthError('Decode error - repeated field "removed" had too many elements')
              }

              if (obj.removed.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "removed" had too many elements')
              }

              obj.removed.push(reader.string())
              break
            }
            case 5: {
              if (opts.limits?.members != null && obj.members.length === opts.limits.members) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              if (obj.members.length === 1024) {
                throw new MaxLengthError('Decode error - repeated field "members" had too many elements')
              }

              obj.members.push(reader.string())
              break
            }
            case 6: {
              obj.issuedAt = reader.uint64()
              break
            }
            case 7: {
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
        const obj = {
          removed: 1024,
          members: 1024
        }

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
                field: `${prefix}.secret`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              if (opts.limits?.removed != null && obj.removed === opts.limits.removed) {
                throw new MaxLengthError('Streaming decode error - repeated field "removed" had too many elements')
              }

              if (obj.removed === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "removed" had too many elements')
              }

              yield {
                field: `${prefix}.removed[]`,
                index: obj.removed,
                value: reader.string()
              }

              obj.removed++

              break
            }
            case 5: {
              if (opts.limits?.members != null && obj.members === opts.limits.members) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              if (obj.members === 1024) {
                throw new MaxLengthError('Streaming decode error - repeated field "members" had too many elements')
              }

              yield {
                field: `${prefix}.members[]`,
                index: obj.members,
                value: reader.string()
              }

              obj.members++

              break
            }
            case 6: {
              yield {
                field: `${prefix}.issuedAt`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
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

  export interface RekeyGroupFieldEvent {
    field: '$.group'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RekeyEpochFieldEvent {
    field: '$.epoch'
    value: bigint
  }

  export interface RekeySecretFieldEvent {
    field: '$.secret'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RekeyRemovedFieldEvent {
    field: '$.removed[]'
    index: number
    value: string
  }

  export interface RekeyMembersFieldEvent {
    field: '$.members[]'
    index: number
    value: string
  }

  export interface RekeyIssuedAtFieldEvent {
    field: '$.issuedAt'
    value: bigint
  }

  export interface RekeySignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Rekey>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Rekey.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rekey>): Rekey {
    return decodeMessage(buf, Rekey.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Rekey>): Generator<RekeyGroupFieldEvent | RekeyEpochFieldEvent | RekeySecretFieldEvent | RekeyRemovedFieldEvent | RekeyMembersFieldEvent | RekeyIssuedAtFieldEvent | RekeySignatureFieldEvent> {
    return streamMessage(buf, Rekey.codec(), opts)
  }
}
