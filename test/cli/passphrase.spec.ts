import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { createMessenger } from '../../node/create-node.ts'
import { PassphraseRequiredError } from '../../node/errors.ts'
import { keyFilePath } from '../../node/identity.ts'
import { removeDir, tempDir, TEST_NODE_INIT } from '../fixtures/index.ts'
import { runCli } from './run-cli.ts'

describe('hyphae passphrase', { timeout: 120_000 }, () => {
  it('sets a passphrase on a profile that had none, changes it, and refuses without the current one', async (t) => {
    const dir = await tempDir('hyphae-pass-')
    t.after(async () => removeDir(dir))
    const node = await createMessenger({ ...TEST_NODE_INIT, dataDir: dir, nickname: 'Heron' })
    await node.stop()

    const set = await runCli(['passphrase', '--data-dir', dir], { HYPHAE_PASSPHRASE: '', HYPHAE_NEW_PASSPHRASE: 'first secret' })
    assert.equal(set.code, 0, set.stderr)
    assert.match(set.stdout, /passphrase set/)
    await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir: dir }), PassphraseRequiredError)

    const before = await readFile(keyFilePath(dir))
    const refused = await runCli(['passphrase', '--data-dir', dir], { HYPHAE_PASSPHRASE: 'not it', HYPHAE_NEW_PASSPHRASE: 'second secret' })
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /wrong passphrase/)
    assert.deepEqual(await readFile(keyFilePath(dir)), before, 'the key file is untouched')

    const changed = await runCli(['passphrase', '--data-dir', dir], { HYPHAE_PASSPHRASE: 'first secret', HYPHAE_NEW_PASSPHRASE: 'second secret' })
    assert.equal(changed.code, 0, changed.stderr)
    const again = await createMessenger({ ...TEST_NODE_INIT, dataDir: dir, passphrase: 'second secret' })
    assert.equal((await again.status()).nickname, 'Heron')
    await again.stop()
  })
})
