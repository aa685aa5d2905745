import * as nodeCrypto from 'node:crypto'
import { argon2idAsync } from '@noble/hashes/argon2.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'

/**
 * Argon2id at RFC 9106's second recommendation (64 MiB, 3 passes). Node >= 24.7 has it natively
 * (~1.6 s here); older Node falls back to @noble/hashes, which gives the same key, ~6x slower.
 */
export const ARGON2ID = { name: 'argon2id' as const, m: 64 * 1024, t: 3, p: 1 }

export interface Argon2idParams { name: 'argon2id', m: number, t: number, p: number }
/** what hyphae-identity/1 files used: still read, then rewritten with Argon2id */
export interface ScryptParams { N: number, r: number, p: number }

function utf8 (passphrase: string): Uint8Array {
  return new TextEncoder().encode(passphrase.normalize('NFKC'))
}

type NativeArgon2 = (algorithm: string, params: Record<string, unknown>, callback: (err: Error | null, key: Uint8Array) => void) => void

/** Argon2id runs in this process (each ~1.6 s): a start should cost one */
export const kdfRuns = { argon2id: 0 }

export async function argon2idKey (passphrase: string, params: Argon2idParams, salt: Uint8Array): Promise<Uint8Array> {
  // bounded: a key file is local, but a hand-edited one should not ask for 100 GB
  if (params.m > 4 * 1024 * 1024 || params.t > 64 || params.p > 16) throw new RangeError('Argon2id parameters out of range')
  kdfRuns.argon2id++
  const native = (nodeCrypto as unknown as { argon2?: NativeArgon2 }).argon2
  if (native != null) {
    return new Promise((resolve, reject) => {
      native('argon2id', { message: utf8(passphrase), nonce: salt, parallelism: params.p, tagLength: 32, memory: params.m, passes: params.t }, (err, key) => {
        if (err != null) reject(err)
        else resolve(new Uint8Array(key))
      })
    })
  }
  return argon2idAsync(utf8(passphrase), salt, { t: params.t, m: params.m, p: params.p, dkLen: 32 })
}

export async function scryptKey (passphrase: string, params: ScryptParams, salt: Uint8Array): Promise<Uint8Array> {
  return scryptAsync(utf8(passphrase), salt, { ...params, dkLen: 32 })
}
