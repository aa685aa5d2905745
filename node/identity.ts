import { randomBytes } from 'node:crypto'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { CorruptKeyFileError, NotInitializedError, PassphraseRequiredError, WrongPassphraseError } from './errors.ts'
import { ARGON2ID, argon2idKey, scryptKey, type Argon2idParams, type ScryptParams } from './passphrase-kdf.ts'
import type { PrivateKey } from '@libp2p/interface'

/**
 * The profile's keys, in one file. A random 32-byte data key encrypts the level store (see
 * store/encrypted-level.ts) and the identity key; the passphrase, through Argon2id, only wraps
 * the data key, so changing it rewrites this file and nothing else. With no passphrase the data
 * key sits here in the clear: the store is encrypted, but anyone with the disk can open it.
 */
export const KEY_FILE = 'identity.key'
const FORMAT_V1 = 'hyphae-identity/1'
const FORMAT = 'hyphae-identity/2'

interface Sealed { nonce: string, ciphertext: string }

interface KeyFile {
  format: typeof FORMAT | typeof FORMAT_V1
  type: 'Ed25519'
  /** v1: base64url protobuf private key, when not encrypted */
  key?: string
  /** v1: present when encrypted with a passphrase (nonce and ciphertext then hold the key) */
  scrypt?: ScryptParams & { salt: string }
  /** v2: present when a passphrase wraps the data key */
  kdf?: Argon2idParams & { salt: string }
  /** v2: the data key, wrapped by the passphrase's key */
  wrappedDataKey?: Sealed
  /** v2: the data key in the clear: no passphrase */
  dataKey?: string
  /** v2: the identity key sealed under a key derived from the data key; v1: under the scrypt key */
  nonce?: string
  ciphertext?: string
}

export interface ProfileKeys {
  key: PrivateKey
  /** 32 bytes: opens the level store */
  dataKey: Uint8Array
  /** whether a passphrase protects the data key */
  encrypted: boolean
}

export function keyFilePath (dataDir: string): string {
  return join(dataDir, KEY_FILE)
}

async function readKeyFile (dataDir: string): Promise<KeyFile | undefined> {
  const path = keyFilePath(dataDir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: any) {
    if (err.code === 'ENOENT') return undefined
    throw new CorruptKeyFileError(path, err.code ?? err.message)
  }
  let parsed: KeyFile
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new CorruptKeyFileError(path, 'not JSON')
  }
  const complete = parsed?.format === FORMAT_V1
    ? (parsed.scrypt != null ? (parsed.nonce != null && parsed.ciphertext != null) : parsed.key != null)
    : parsed?.format === FORMAT
      ? parsed.nonce != null && parsed.ciphertext != null && (parsed.kdf != null ? parsed.wrappedDataKey != null : parsed.dataKey != null)
      : undefined
  if (complete == null) throw new CorruptKeyFileError(path, 'unknown format')
  if (!complete) throw new CorruptKeyFileError(path, 'missing fields')
  return parsed
}

export async function identityExists (dataDir: string): Promise<boolean> {
  return (await readKeyFile(dataDir)) != null
}

export async function isIdentityEncrypted (dataDir: string): Promise<boolean> {
  const file = await readKeyFile(dataDir)
  return file?.scrypt != null || file?.kdf != null
}

function identitySealKey (dataKey: Uint8Array): Uint8Array {
  return hkdf(sha256, dataKey, undefined, new TextEncoder().encode('hyphae identity key'), 32)
}

function seal (key: Uint8Array, plain: Uint8Array): Sealed {
  const nonce = randomBytes(24)
  return { nonce: base64url.baseEncode(nonce), ciphertext: base64url.baseEncode(xchacha20poly1305(key, nonce).encrypt(plain)) }
}

function unseal (key: Uint8Array, sealed: Sealed): Uint8Array {
  return xchacha20poly1305(key, base64url.baseDecode(sealed.nonce)).decrypt(base64url.baseDecode(sealed.ciphertext))
}

/** The v2 key file for these keys; Argon2id runs here when there is a passphrase. */
async function keyFileFor (key: PrivateKey, dataKey: Uint8Array, passphrase?: string): Promise<KeyFile> {
  const file: KeyFile = { format: FORMAT, type: 'Ed25519', ...seal(identitySealKey(dataKey), privateKeyToProtobuf(key)) }
  if (passphrase != null && passphrase !== '') {
    const salt = randomBytes(16)
    file.kdf = { ...ARGON2ID, salt: base64url.baseEncode(salt) }
    file.wrappedDataKey = seal(await argon2idKey(passphrase, ARGON2ID, salt), dataKey)
  } else {
    file.dataKey = base64url.baseEncode(dataKey)
  }
  return file
}

async function writeKeyFile (dataDir: string, file: KeyFile): Promise<void> {
  await writePrivateFile(keyFilePath(dataDir), JSON.stringify(file, null, 2) + '\n')
}

/** Creates a new Ed25519 identity and data key and writes them with mode 0600, atomically. */
export async function createKeys (dataDir: string, passphrase?: string): Promise<ProfileKeys> {
  const key = await generateKeyPair('Ed25519')
  const dataKey = new Uint8Array(randomBytes(32))
  await writeKeyFile(dataDir, await keyFileFor(key, dataKey, passphrase))
  return { key, dataKey, encrypted: passphrase != null && passphrase !== '' }
}

/**
 * Loads the profile's keys. A v1 file (scrypt N=2^16, no data key) is rewritten once as v2 with
 * a new data key and the same passphrase, atomically (a crash leaves the old file or the new).
 */
export async function loadKeys (dataDir: string, passphrase?: string): Promise<ProfileKeys> {
  const { key, dataKey, encrypted } = await unlockKeyFile(dataDir, passphrase)
  if (dataKey != null) return { key, dataKey, encrypted }
  const fresh = new Uint8Array(randomBytes(32))
  await writeKeyFile(dataDir, await keyFileFor(key, fresh, encrypted ? passphrase : undefined))
  return { key, dataKey: fresh, encrypted }
}

/**
 * The data key a passphrase check just unwrapped, for the open that follows it (the CLI asks,
 * checks, then opens the profile): taken once, and only for the same key file (its salt) and
 * passphrase, so Argon2id runs once per start rather than twice.
 */
let checked: { path: string, salt: string, passphrase: string, dataKey: Uint8Array } | undefined

/** Throws WrongPassphraseError (or PassphraseRequiredError) unless `passphrase` opens the key file; writes nothing. */
export async function checkPassphrase (dataDir: string, passphrase?: string): Promise<void> {
  checked = undefined
  const { dataKey, salt } = await unlockKeyFile(dataDir, passphrase)
  if (dataKey != null && salt != null && passphrase != null) checked = { path: keyFilePath(dataDir), salt, passphrase, dataKey }
}

function takeChecked (path: string, salt: string, passphrase: string): Uint8Array | undefined {
  const hit = checked
  checked = undefined
  return hit != null && hit.path === path && hit.salt === salt && hit.passphrase === passphrase ? hit.dataKey : undefined
}

/** The keys in the file as they are: a v1 file has no data key yet. */
async function unlockKeyFile (dataDir: string, passphrase?: string): Promise<{ key: PrivateKey, dataKey?: Uint8Array, encrypted: boolean, salt?: string }> {
  const path = keyFilePath(dataDir)
  const file = await readKeyFile(dataDir)
  if (file == null) throw new NotInitializedError(dataDir)
  const encrypted = file.scrypt != null || file.kdf != null
  if (encrypted && (passphrase == null || passphrase === '')) throw new PassphraseRequiredError()
  let raw: Uint8Array
  let dataKey: Uint8Array | undefined
  try {
    if (file.format === FORMAT_V1) {
      raw = file.scrypt == null
        ? base64url.baseDecode(file.key ?? '')
        : openOrWrong(await scryptKey(passphrase ?? '', file.scrypt, base64url.baseDecode(file.scrypt.salt)), file as Sealed)
    } else {
      dataKey = file.kdf == null
        ? base64url.baseDecode(file.dataKey ?? '')
        : takeChecked(path, file.kdf.salt, passphrase ?? '') ?? openOrWrong(await argon2idKey(passphrase ?? '', file.kdf, base64url.baseDecode(file.kdf.salt)), file.wrappedDataKey as Sealed)
      if (dataKey.byteLength !== 32) throw new Error('data key length')
      raw = unseal(identitySealKey(dataKey), file as Sealed)
    }
  } catch (err: any) {
    if (err instanceof WrongPassphraseError || err instanceof PassphraseRequiredError || err instanceof RangeError) throw err
    throw new CorruptKeyFileError(path, 'bad encoding')
  }
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(raw)
    if (key.type !== 'Ed25519') throw new Error(`unexpected key type ${key.type}`)
  } catch (err: any) {
    throw new CorruptKeyFileError(path, err.message)
  }
  return { key, dataKey, encrypted, salt: file.kdf?.salt }
}

function openOrWrong (key: Uint8Array, sealed: Sealed): Uint8Array {
  try {
    return unseal(key, sealed)
  } catch {
    throw new WrongPassphraseError()
  }
}

/** Sets, changes or (with an empty `next`) removes the passphrase: only the data key is rewrapped. */
export async function changePassphrase (dataDir: string, current: string | undefined, next: string | undefined): Promise<ProfileKeys> {
  const keys = await loadKeys(dataDir, current)
  await writeKeyFile(dataDir, await keyFileFor(keys.key, keys.dataKey, next))
  return { ...keys, encrypted: next != null && next !== '' }
}

/** Write to a temporary file with mode 0600, fsync, then rename over the target. */
async function writePrivateFile (path: string, contents: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(contents)
    await fh.sync()
  } finally {
    await fh.close()
  }
  try {
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
}
