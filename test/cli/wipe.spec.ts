import assert from 'node:assert/strict'
import { link, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import { createMessenger } from '../../node/create-node.ts'
import { keyFilePath } from '../../node/identity.ts'
import { shred } from '../../node/store/shred.ts'
import { wipeProfile } from '../../node/wipe.ts'
import { removeDir, tempDir, TEST_NODE_INIT } from '../fixtures/index.ts'
import { runCli } from './run-cli.ts'

async function profile (t: TestContext): Promise<string> {
  const dir = await tempDir('hyphae-wipe-')
  t.after(async () => removeDir(dir))
  const node = await createMessenger({ ...TEST_NODE_INIT, dataDir: dir, nickname: 'to be wiped' })
  await node.stop()
  return dir
}

const exists = async (path: string): Promise<boolean> => stat(path).then(() => true, () => false)

describe('hyphae wipe', { timeout: 120_000 }, () => {
  it('refuses without --yes off a terminal, and touches nothing', async (t) => {
    const dir = await profile(t)
    const key = await readFile(keyFilePath(dir))
    const before = (await readdir(dir, { recursive: true })).sort()
    const run = await runCli(['wipe', '--data-dir', dir])
    assert.notEqual(run.code, 0)
    assert.match(run.stderr, /--yes/)
    assert.deepEqual(await readFile(keyFilePath(dir)), key)
    assert.deepEqual((await readdir(dir, { recursive: true })).sort(), before)
  })

  it('refuses a running profile with ProfileLockedError', async (t) => {
    const dir = await profile(t)
    const node = await createMessenger({ ...TEST_NODE_INIT, dataDir: dir })
    t.after(async () => node.stop())
    const run = await runCli(['wipe', '--yes', '--data-dir', dir])
    assert.notEqual(run.code, 0)
    assert.match(run.stderr, /in use by another hyphae process/)
    assert.ok(await exists(keyFilePath(dir)), 'the key is still there')
    assert.equal((await node.status()).nickname, 'to be wiped', 'the running node is unharmed')
  })

  it('with --yes destroys the keys first, then the rest, and leaves foreign files alone', async (t) => {
    const dir = await profile(t)
    await writeFile(join(dir, 'my-notes.txt'), 'not hyphae\'s')
    const { removed, leftAlone } = await wipeProfile(dir)
    // libp2p's datastore is inside db/ (a plaintext libp2p/ from an old version would go second)
    assert.deepEqual(removed.map(p => p.slice(dir.length + 1)), ['identity.key', 'db'])
    assert.deepEqual(leftAlone, ['my-notes.txt'])
    assert.equal(await exists(keyFilePath(dir)), false)

    const other = await profile(t)
    const run = await runCli(['wipe', '--yes', '--data-dir', other])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(await exists(other), false, 'an emptied profile directory is removed')
  })

  it('refuses a directory that is not a profile', async (t) => {
    const dir = await tempDir('hyphae-not-a-profile-')
    t.after(async () => removeDir(dir))
    await writeFile(join(dir, 'thesis.tex'), 'years of work')
    await assert.rejects(wipeProfile(dir), /NotInitialized|no identity|init/i)
    assert.equal(await readFile(join(dir, 'thesis.tex'), 'utf8'), 'years of work')
  })

  it('overwrites a file before unlinking it (a second link to it sees the new bytes)', async (t) => {
    const dir = await tempDir('hyphae-shred-')
    t.after(async () => removeDir(dir))
    const secret = Buffer.from('the secret key material '.repeat(100))
    await writeFile(join(dir, 'key'), secret)
    await link(join(dir, 'key'), join(dir, 'witness'))
    await shred(join(dir, 'key'))
    assert.equal(await exists(join(dir, 'key')), false)
    const after = await readFile(join(dir, 'witness'))
    assert.equal(after.byteLength, secret.byteLength)
    assert.equal(after.indexOf('secret key'), -1)
  })
})
