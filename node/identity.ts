import { randomBytes } from 'node:crypto'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { base64url } from 'multiformats/bases/base64'
import { CorruptKeyFileError, NotInitializedError, PassphraseRequiredError, WrongPassphraseError } from './errors.ts'
import type { PrivateKey } from '@libp2p/interface'

export const KEY_FILE = 'identity.key'
const FORMAT = 'hyphae-identity/1'
/** scrypt cost: ~64 MiB and well under a second, paid once per start. */
const SCRYPT = { N: 2 ** 16, r: 8, p: 1, dkLen: 32 }

interface KeyFile {
  format: typeof FORMAT
  type: 'Ed25519'
  /** base64url protobuf private key, when not encrypted */
  key?: string
  /** present when encrypted with a passphrase */
  scrypt?: { N: number, r: number, p: number, salt: string }
  nonce?: string
  ciphertext?: string
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
  if (parsed?.format !== FORMAT) throw new CorruptKeyFileError(path, 'unknown format')
  const encrypted = parsed.scrypt != null
  if (encrypted ? (parsed.nonce == null || parsed.ciphertext == null) : parsed.key == null) {
    throw new CorruptKeyFileError(path, 'missing fields')
  }
  return parsed
}

export async function identityExists (dataDir: string): Promise<boolean> {
  return (await readKeyFile(dataDir)) != null
}

export async function isIdentityEncrypted (dataDir: string): Promise<boolean> {
  return (await readKeyFile(dataDir))?.scrypt != null
}

async function deriveKey (passphrase: string, params: { N: number, r: number, p: number }, salt: Uint8Array): Promise<Uint8Array> {
  return scryptAsync(new TextEncoder().encode(passphrase.normalize('NFKC')), salt, { ...params, dkLen: 32 })
}

/** Creates a new Ed25519 identity and writes it with mode 0600, atomically. */
export async function createIdentity (dataDir: string, passphrase?: string): Promise<PrivateKey> {
  const key = await generateKeyPair('Ed25519')
  const raw = privateKeyToProtobuf(key)
  let file: KeyFile
  if (passphrase != null && passphrase !== '') {
    const salt = randomBytes(16)
    const nonce = randomBytes(24)
    const k = await deriveKey(passphrase, SCRYPT, salt)
    const ciphertext = xchacha20poly1305(k, nonce).encrypt(raw)
    file = {
      format: FORMAT,
      type: 'Ed25519',
      scrypt: { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: base64url.baseEncode(salt) },
      nonce: base64url.baseEncode(nonce),
      ciphertext: base64url.baseEncode(ciphertext)
    }
  } else {
    file = { format: FORMAT, type: 'Ed25519', key: base64url.baseEncode(raw) }
  }
  await writePrivateFile(keyFilePath(dataDir), JSON.stringify(file, null, 2) + '\n')
  return key
}

/** Loads the identity; never writes. */
export async function loadIdentity (dataDir: string, passphrase?: string): Promise<PrivateKey> {
  const path = keyFilePath(dataDir)
  const file = await readKeyFile(dataDir)
  if (file == null) throw new NotInitializedError(dataDir)
  let raw: Uint8Array
  try {
    if (file.scrypt == null) {
      raw = base64url.baseDecode(file.key ?? '')
    } else {
      if (passphrase == null || passphrase === '') throw new PassphraseRequiredError()
      const k = await deriveKey(passphrase, file.scrypt, base64url.baseDecode(file.scrypt.salt))
      try {
        raw = xchacha20poly1305(k, base64url.baseDecode(file.nonce ?? '')).decrypt(base64url.baseDecode(file.ciphertext ?? ''))
      } catch {
        throw new WrongPassphraseError()
      }
    }
  } catch (err: any) {
    if (err instanceof WrongPassphraseError || err instanceof PassphraseRequiredError) throw err
    throw new CorruptKeyFileError(path, 'bad encoding')
  }
  try {
    const key = privateKeyFromProtobuf(raw)
    if (key.type !== 'Ed25519') throw new Error(`unexpected key type ${key.type}`)
    return key
  } catch (err: any) {
    throw new CorruptKeyFileError(path, err.message)
  }
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
