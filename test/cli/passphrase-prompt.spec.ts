import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createKeys, loadKeys } from '../../node/identity.ts'
import { kdfRuns } from '../../node/passphrase-kdf.ts'
import { passphraseFor, type PassphrasePrompt } from '../../cli/passphrase.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'

/** a terminal that types `answers` in turn and records what it was shown */
function typing (answers: string[]): PassphrasePrompt & { shown: string[] } {
  const shown: string[] = []
  return {
    shown,
    canAsk: true,
    ask: async question => { shown.push(question); const a = answers.shift(); if (a == null) throw new Error('asked once too often'); return a },
    say: line => { shown.push(line) }
  }
}

describe('the passphrase prompt', () => {
  let dir: string
  const saved = process.env.HYPHAE_PASSPHRASE
  before(async () => {
    delete process.env.HYPHAE_PASSPHRASE
    dir = await tempDir('hyphae-prompt-')
    await createKeys(dir, 'correct horse')
  })
  after(async () => {
    if (saved != null) process.env.HYPHAE_PASSPHRASE = saved
    await removeDir(dir)
  })

  it('names the profile and allows three tries', async () => {
    const terminal = typing(['wrong', '', 'correct horse'])
    assert.equal(await passphraseFor(dir, terminal), 'correct horse')
    assert.deepEqual(terminal.shown, [
      `Passphrase for the profile at ${dir}: `,
      'wrong passphrase, try again (2 left)',
      `Passphrase for the profile at ${dir}: `,
      'wrong passphrase, try again (1 left)',
      `Passphrase for the profile at ${dir}: `
    ])
  })

  it('gives up after the third wrong one', async () => {
    const terminal = typing(['a', 'b', 'c', 'correct horse'])
    await assert.rejects(passphraseFor(dir, terminal), { name: 'WrongPassphraseError' })
    assert.equal(terminal.shown.filter(l => l.startsWith('Passphrase')).length, 3)
  })

  it('runs Argon2id once for the prompt and the open after it', async () => {
    const created = await loadKeys(dir, 'correct horse')
    const before = kdfRuns.argon2id
    assert.equal(await passphraseFor(dir, typing(['correct horse'])), 'correct horse')
    const opened = await loadKeys(dir, 'correct horse')
    assert.equal(kdfRuns.argon2id - before, 1, 'one derivation for the check and the open')
    assert.deepEqual(opened.dataKey, created.dataKey)
    // taken once: another open derives again
    await loadKeys(dir, 'correct horse')
    assert.equal(kdfRuns.argon2id - before, 2)
  })

  it('does not hand a checked key to an open with another passphrase', async () => {
    assert.equal(await passphraseFor(dir, typing(['correct horse'])), 'correct horse')
    await assert.rejects(loadKeys(dir, 'wrong horse'), { name: 'WrongPassphraseError' })
  })
})
