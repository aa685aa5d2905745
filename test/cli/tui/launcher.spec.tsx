import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger } from './fake-messenger.ts'
import { harness } from './harness.tsx'
import { KEYS, SOON } from './poll.ts'
import { waitFor } from '../../fixtures/wait-for.ts'
import { Launcher, type OpenInit } from '../../../cli/tui/components/Launcher.tsx'

const DIR = '/tmp/hyphae-profile'

/** an `open` that records what it was asked and hands back a fake node */
function opener (options: { passphrase?: string, contacts?: string[] } = {}): { open: (init: OpenInit) => Promise<FakeMessenger>, inits: OpenInit[], fake?: FakeMessenger } {
  const state: { open: (init: OpenInit) => Promise<FakeMessenger>, inits: OpenInit[], fake?: FakeMessenger } = {
    inits: [],
    open: async (init: OpenInit) => {
      state.inits.push(init)
      if (options.passphrase != null && init.passphrase !== options.passphrase) throw Object.assign(new Error('wrong passphrase for the identity key'), { name: 'WrongPassphraseError' })
      const fake = new FakeMessenger({ nickname: init.nickname ?? 'alice' })
      for (const c of options.contacts ?? []) fake.addFake(c)
      state.fake = fake
      return fake
    }
  }
  return state
}

describe('tui: first run and unlocking', () => {
  afterEach(() => { cleanup() })

  it('first run asks a nickname and a hidden passphrase (twice), creates the profile, then shows the invite and QR code', async () => {
    const o = opener()
    const h = harness(<Launcher profile={{ dataDir: DIR, exists: false, encrypted: false }} open={o.open} />, { rows: 60 })
    let s = await h.waitFor('Your nickname:')
    assert.match(s, /No identity in \/tmp\/hyphae-profile yet/)

    h.press(KEYS.enter)
    await h.waitFor('a nickname is needed')
    h.press('alice', KEYS.enter)
    await h.waitFor('Passphrase (optional):')
    h.press('s3cret-pass')
    s = await h.waitFor('(typing is hidden)')
    assert.ok(!s.includes('s3cret'), 'the passphrase is never shown')
    assert.ok(!/•{3}|\*{3}/.test(s), 'not even its length')
    h.press(KEYS.enter)
    await h.waitFor('Same passphrase again:')
    h.press('s3cret-typo', KEYS.enter)
    await h.waitFor('the passphrases differ')
    h.press('s3cret-pass', KEYS.enter)
    await h.waitFor('Same passphrase again:')
    h.press('s3cret-pass', KEYS.enter)

    s = await h.waitFor(s => s.includes('Welcome, alice') && /[▀▄█]{5}/.test(s))
    assert.deepEqual(o.inits, [{ nickname: 'alice', passphrase: 's3cret-pass', create: true }])
    assert.match(s, /your invite:/)
    assert.match(s, /\/add INVITE NICK/)
    assert.ok(s.replace(/[\s│]/g, '').includes(`hyphae://invite/${o.fake!.peerId}`), 'the invite string')
    h.press(KEYS.escape)
    await h.waitFor('No conversations yet.')
  })

  it('an empty passphrase creates an unencrypted profile; HYPHAE_PASSPHRASE is used without asking', async () => {
    const plain = opener()
    const h = harness(<Launcher profile={{ dataDir: DIR, exists: false, encrypted: false }} open={plain.open} />)
    await h.waitFor('Your nickname:')
    h.press('bob', KEYS.enter)
    await h.waitFor('Passphrase (optional):')
    h.press(KEYS.enter)
    await h.waitFor('Welcome, bob')
    assert.deepEqual(plain.inits, [{ nickname: 'bob', passphrase: undefined, create: true }])
    h.unmount()

    const env = opener()
    const h2 = harness(<Launcher profile={{ dataDir: DIR, exists: false, encrypted: false }} envPassphrase='from-env' open={env.open} />)
    await h2.waitFor('Your nickname:')
    h2.press('carol', KEYS.enter)
    await h2.waitFor('Welcome, carol')
    assert.deepEqual(env.inits, [{ nickname: 'carol', passphrase: 'from-env', create: true }])
  })

  it('an encrypted profile asks its passphrase, again after a wrong one', async () => {
    const o = opener({ passphrase: 'right one', contacts: ['bob'] })
    const h = harness(<Launcher profile={{ dataDir: DIR, exists: true, encrypted: true }} open={o.open} />)
    await h.waitFor('Passphrase:')
    h.press('wrong one', KEYS.enter)
    let s = await h.waitFor('wrong passphrase, try again')
    assert.ok(!s.includes('wrong one'))
    h.press('right one', KEYS.enter)
    s = await h.waitFor('message bob')
    assert.deepEqual(o.inits.map(i => i.passphrase), ['wrong one', 'right one'])
    assert.ok(o.inits.every(i => !i.create))
    assert.ok(!s.includes('Welcome'), 'no welcome for an existing profile')
  })

  it('an unencrypted profile, or HYPHAE_PASSPHRASE, opens without a question', async () => {
    const plain = opener({ contacts: ['bob'] })
    const h = harness(<Launcher profile={{ dataDir: DIR, exists: true, encrypted: false }} open={plain.open} />)
    await h.waitFor('message bob')
    assert.deepEqual(plain.inits, [{ passphrase: undefined, create: false }])
    h.unmount()

    const env = opener({ passphrase: 'from-env', contacts: ['carol'] })
    const h2 = harness(<Launcher profile={{ dataDir: DIR, exists: true, encrypted: true }} envPassphrase='from-env' open={env.open} />)
    await h2.waitFor('message carol')
    await waitFor(() => env.inits.length === 1, { message: 'one open', ...SOON })
    assert.ok(!h2.frames.some(f => f.includes('Passphrase:')), 'never asked')
  })
})
