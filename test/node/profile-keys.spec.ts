import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { describe, it, type TestContext } from 'node:test'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { base64url } from 'multiformats/bases/base64'
import { createMessenger } from '../../node/create-node.ts'
import { PassphraseRequiredError, WrongPassphraseError } from '../../node/errors.ts'
import { changePassphrase, keyFilePath } from '../../node/identity.ts'
import { openLevel } from '../../node/store/database.ts'
import { removeDir, tempDir, TEST_NODE_INIT } from '../fixtures/index.ts'

async function profileDir (t: TestContext): Promise<string> {
  const dir = await tempDir('hyphae-keys-')
  t.after(async () => removeDir(dir))
  return dir
}

describe('the profile keys', { timeout: 120_000 }, () => {
  it('a passphrase set later protects the same identity and store; removing it takes it off', async (t) => {
    const dataDir = await profileDir(t)
    const first = await createMessenger({ ...TEST_NODE_INIT, dataDir, nickname: 'Nightjar' })
    const peerId = first.peerId
    assert.equal((await first.status()).passphrase, false)
    assert.ok((await first.doctor()).advice.some(a => a.startsWith('this device protects nothing: anyone with the disk reads your messages')), 'doctor says it')
    await first.stop()

    await changePassphrase(dataDir, undefined, 'river stone lantern')
    const file = JSON.parse(await readFile(keyFilePath(dataDir), 'utf8'))
    assert.equal(file.dataKey, undefined, 'no data key in the clear once a passphrase is set')
    assert.equal(file.kdf.name, 'argon2id')
    assert.ok(file.kdf.m >= 64 * 1024)
    await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir }), PassphraseRequiredError)
    await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir, passphrase: 'wrong' }), WrongPassphraseError)
    const again = await createMessenger({ ...TEST_NODE_INIT, dataDir, passphrase: 'river stone lantern' })
    assert.equal(again.peerId, peerId)
    assert.equal((await again.status()).nickname, 'Nightjar', 'the store opens with the same data key')
    assert.equal((await again.status()).passphrase, true)
    assert.equal((await again.doctor()).advice.some(a => a.includes('protects nothing')), false)
    await again.stop()

    await changePassphrase(dataDir, 'river stone lantern', undefined)
    const open = await createMessenger({ ...TEST_NODE_INIT, dataDir })
    assert.equal((await open.status()).nickname, 'Nightjar')
    await open.stop()
  })

  it('a profile from before (scrypt 2^16 key file, plaintext store) opens, and is upgraded and encrypted', async (t) => {
    const dataDir = await profileDir(t)
    // what the old code wrote: identity.key format 1, and a plaintext nickname in db/
    const key = await generateKeyPair('Ed25519')
    const salt = randomBytes(16)
    const nonce = randomBytes(24)
    const k = await scryptAsync(new TextEncoder().encode('old passphrase'), salt, { N: 2 ** 16, r: 8, p: 1, dkLen: 32 })
    await writeFile(keyFilePath(dataDir), JSON.stringify({
      format: 'hyphae-identity/1',
      type: 'Ed25519',
      scrypt: { N: 2 ** 16, r: 8, p: 1, salt: base64url.baseEncode(salt) },
      nonce: base64url.baseEncode(nonce),
      ciphertext: base64url.baseEncode(xchacha20poly1305(k, nonce).encrypt(privateKeyToProtobuf(key)))
    }), { mode: 0o600 })
    const old = await openLevel(dataDir, 'db')
    await old.sublevel<string, Uint8Array>('meta', { valueEncoding: 'view' }).put('nickname', new TextEncoder().encode(JSON.stringify('Old-Nickname-Pelican')))
    await old.close()

    const node = await createMessenger({ ...TEST_NODE_INIT, dataDir, passphrase: 'old passphrase' })
    assert.equal(node.peerId, peerIdFromPrivateKey(key).toString())
    assert.equal((await node.status()).nickname, 'Old-Nickname-Pelican')
    await node.stop()
    const file = JSON.parse(await readFile(keyFilePath(dataDir), 'utf8'))
    assert.equal(file.format, 'hyphae-identity/2')
    assert.equal(file.kdf.name, 'argon2id')
    assert.equal(file.scrypt, undefined)
    const again = await createMessenger({ ...TEST_NODE_INIT, dataDir, passphrase: 'old passphrase' })
    assert.equal((await again.status()).nickname, 'Old-Nickname-Pelican')
    await again.stop()
  })
})
