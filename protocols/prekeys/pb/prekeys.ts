import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface PrekeyBundle {
  registrationId: number
  signedPreKeyId: number
  signedPreKey: Uint8Array<ArrayBuffer>
  signedPreKeySignature: Uint8Array<ArrayBuffer>
  kyberPreKeyId: number
  kyberPreKey: Uint8Array<ArrayBuffer>
  kyberPreKeySignature: Uint8Array<ArrayBuffer>
  preKeyId?: number
  preKey?: Uint8Array<ArrayBuffer>
}

export namespace PrekeyBundle {
  let _codec: Codec<PrekeyBundle>

  export const codec = (): Codec<PrekeyBundle> => {
    if (_codec == null) {
      _codec = message<PrekeyBundle>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.registrationId != null && obj.registrationId !== 0)) {
          w.uint32(8)
          w.uint32(obj.registrationId)
        }

        if ((obj.signedPreKeyId != null && obj.signedPreKeyId !== 0)) {
          w.uint32(16)
          w.uint32(obj.signedPreKeyId)
        }

        if ((obj.signedPreKey != null && obj.signedPreKey.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.signedPreKey)
        }

        if ((obj.signedPreKeySignature != null && obj.signedPreKeySignature.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.signedPreKeySignature)
        }

        if ((obj.kyberPreKeyId != null && obj.kyberPreKeyId !== 0)) {
          w.uint32(40)
          w.uint32(obj.kyberPreKeyId)
        }

        if ((obj.kyberPreKey != null && obj.kyberPreKey.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.kyberPreKey)
        }

        if ((obj.kyberPreKeySignature != null && obj.kyberPreKeySignature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.kyberPreKeySignature)
        }

        if (obj.preKeyId != null) {
          w.uint32(64)
          w.uint32(obj.preKeyId)
        }

        if (obj.preKey != null) {
          w.uint32(74)
          w.bytes(obj.preKey)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          registrationId: 0,
          signedPreKeyId: 0,
          signedPreKey: uint8ArrayAlloc(0),
          signedPreKeySignature: uint8ArrayAlloc(0),
          kyberPreKeyId: 0,
          kyberPreKey: uint8ArrayAlloc(0),
          kyberPreKeySignature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.registrationId = reader.uint32()
              break
            }
            case 2: {
              obj.signedPreKeyId = reader.uint32()
              break
            }
            case 3: {
              obj.signedPreKey = reader.bytes()
              break
            }
            case 4: {
              obj.signedPreKeySignature = reader.bytes()
              break
            }
            case 5: {
              obj.kyberPreKeyId = reader.uint32()
              break
            }
            case 6: {
              obj.kyberPreKey = reader.bytes()
              break
            }
            case 7: {
              obj.kyberPreKeySignature = reader.bytes()
              break
            }
            case 8: {
              obj.preKeyId = reader.uint32()
              break
            }
            case 9: {
              obj.preKey = reader.bytes()
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
                field: `${prefix}.registrationId`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.signedPreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.signedPreKey`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.signedPreKeySignature`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.kyberPreKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.kyberPreKey`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.kyberPreKeySignature`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.preKeyId`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.preKey`,
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

  export interface PrekeyBundleRegistrationIdFieldEvent {
    field: '$.registrationId'
    value: number
  }

  export interface PrekeyBundleSignedPreKeyIdFieldEvent {
    field: '$.signedPreKeyId'
    value: number
  }

  export interface PrekeyBundleSignedPreKeyFieldEvent {
    field: '$.signedPreKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PrekeyBundleSignedPreKeySignatureFieldEvent {
    field: '$.signedPreKeySignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PrekeyBundleKyberPreKeyIdFieldEvent {
    field: '$.kyberPreKeyId'
    value: number
  }

  export interface PrekeyBundleKyberPreKeyFieldEvent {
    field: '$.kyberPreKey'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PrekeyBundleKyberPreKeySignatureFieldEvent {
    field: '$.kyberPreKeySignature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface PrekeyBundlePreKeyIdFieldEvent {
    field: '$.preKeyId'
    value: number
  }

  export interface PrekeyBundlePreKeyFieldEvent {
    field: '$.preKey'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<PrekeyBundle>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PrekeyBundle.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): PrekeyBundle {
    return decodeMessage(buf, PrekeyBundle.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): Generator<PrekeyBundleRegistrationIdFieldEvent | PrekeyBundleSignedPreKeyIdFieldEvent | PrekeyBundleSignedPreKeyFieldEvent | PrekeyBundleSignedPreKeySignatureFieldEvent | PrekeyBundleKyberPreKeyIdFieldEvent | PrekeyBundleKyberPreKeyFieldEvent | PrekeyBundleKyberPreKeySignatureFieldEvent | PrekeyBundlePreKeyIdFieldEvent | PrekeyBundlePreKeyFieldEvent> {
    return streamMessage(buf, PrekeyBundle.codec(), opts)
  }
}
