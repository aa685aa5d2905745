import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { describe, it, type TestContext } from 'node:test'
import { createMessenger, type MessengerInit } from '../../node/create-node.ts'
import { CorruptKeyFileError, PassphraseRequiredError, ProfileLockedError, WrongPassphraseError } from '../../node/errors.ts'
import { keyFilePath } from '../../node/identity.ts'
import { addressOf, connectedPeers, removeDir, tempDir, TEST_NODE_INIT, waitFor } from '../fixtures/index.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

/** A temp profile dir removed when the test ends. */
async function profileDir (t: TestContext): Promise<string> {
  const dir = await tempDir('hyphae-identity-')
  t.after(async () => removeDir(dir))
  return dir
}

/** Starts a messenger that is stopped when the test ends, even if it failed. */
async function open (t: TestContext, init: MessengerInit): Promise<HyphaeMessenger> {
  const node = await createMessenger({ ...TEST_NODE_INIT, ...init })
  t.after(async () => node.stop())
  return node
}

/** Creates a profile, stops its node, returns its peer id. */
async function createProfile (t: TestContext, dataDir: string, passphrase?: string): Promise<string> {
  const node = await open(t, { dataDir, passphrase })
  await node.stop()
  return node.peerId
}

describe('identity', { timeout: 60_000 }, () => {
  it('persists across a restart on the same data dir', async (t) => {
    const dataDir = await profileDir(t)
    const first = await createProfile(t, dataDir)
    const again = await open(t, { dataDir })
    assert.equal(again.peerId, first)
    const mode = (await stat(keyFilePath(dataDir))).mode & 0o777
    assert.equal(mode, 0o600, `key file mode is ${mode.toString(8)}`)
  })

  it('two profiles get two identities', async (t) => {
    const [a, b] = await Promise.all([profileDir(t), profileDir(t)])
    assert.notEqual(await createProfile(t, a), await createProfile(t, b))
  })

  describe('encrypted with a passphrase', () => {
    const passphrase = 'correct horse battery staple'

    it('is written 0600 without the key in clear, and reopens with the right passphrase', async (t) => {
      const dataDir = await profileDir(t)
      const peerId = await createProfile(t, dataDir, passphrase)
      const path = keyFilePath(dataDir)
      assert.equal((await stat(path)).mode & 0o777, 0o600)
      const file = JSON.parse(await readFile(path, 'utf8'))
      assert.equal(file.key, undefined, 'no clear-text key field')
      assert.equal(typeof file.ciphertext, 'string')

      const again = await open(t, { dataDir, passphrase })
      assert.equal(again.peerId, peerId)
    })

    it('refuses a wrong passphrase and leaves the key file untouched', async (t) => {
      const dataDir = await profileDir(t)
      const peerId = await createProfile(t, dataDir, passphrase)
      const before = await readFile(keyFilePath(dataDir))

      await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir, passphrase: 'wrong horse' }), WrongPassphraseError)
      assert.deepEqual(await readFile(keyFilePath(dataDir)), before)

      // the failed attempt released the profile: the right passphrase still opens it
      const again = await open(t, { dataDir, passphrase })
      assert.equal(again.peerId, peerId)
    })

    it('asks for the passphrase when none is given', async (t) => {
      const dataDir = await profileDir(t)
      await createProfile(t, dataDir, passphrase)
      const before = await readFile(keyFilePath(dataDir))
      await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir }), PassphraseRequiredError)
      await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir, passphrase: '' }), PassphraseRequiredError)
      assert.deepEqual(await readFile(keyFilePath(dataDir)), before)
    })
  })

  describe('a corrupt key file', () => {
    const corruptions: Array<[string, (valid: Buffer) => Buffer]> = [
      ['garbage that is not JSON', () => Buffer.from('{"format": "hyphae-identity/1", "key": ')],
      ['a truncated file', valid => valid.subarray(0, Math.floor(valid.length / 2))],
      ['an empty file', () => Buffer.alloc(0)],
      ['JSON of another format', () => Buffer.from('{"format":"something-else/9","key":"AAAA"}\n')],
      ['a key field that is not a key', () => Buffer.from('{"format":"hyphae-identity/1","type":"Ed25519","key":"bm90IGEga2V5"}\n')]
    ]
    for (const [name, corrupt] of corruptions) {
      it(`throws CorruptKeyFileError for ${name} and leaves it byte-identical`, async (t) => {
        const dataDir = await profileDir(t)
        await createProfile(t, dataDir)
        const path = keyFilePath(dataDir)
        const bad = corrupt(await readFile(path))
        await writeFile(path, bad)

        await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir }), (err: Error) => {
          assert.ok(err instanceof CorruptKeyFileError, `${err.name}: ${err.message}`)
          assert.match(err.message, /identity\.key/)
          return true
        })
        assert.deepEqual(await readFile(path), bad)
      })
    }
  })

  it('a second open of a running profile throws ProfileLockedError and the first keeps working', async (t) => {
    const dataDir = await profileDir(t)
    const first = await open(t, { dataDir, nickname: 'first' })

    await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir }), (err: Error) => {
      assert.ok(err instanceof ProfileLockedError, `${err.name}: ${err.message}`)
      assert.match(err.message, /in use/)
      return true
    })

    // the failed open must not have closed or broken anything of the first
    await first.setNickname('still here')
    const status = await first.status()
    assert.equal(status.peerId, first.peerId)
    assert.equal(status.nickname, 'still here')
    const otherDir = await profileDir(t)
    const other = await open(t, { dataDir: otherDir })
    await other.connect(addressOf(first))
    await waitFor(() => connectedPeers(first).has(other.peerId), { timeout: 10_000, message: 'the first node to accept a connection' })
  })
})
