import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger } from './fake-messenger.ts'
import { renderApp } from './harness.tsx'

describe('tui: a profile with no passphrase', () => {
  afterEach(() => { cleanup() })

  it('says on the status bar that anyone with the disk reads the messages, and how to fix it', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob', { online: true })
    fake.passphrase = false
    const h = renderApp(fake, { columns: 200 })
    const s = await h.waitFor(s => s.includes('no passphrase'))
    assert.match(s, /no passphrase: anyone with this disk reads your messages \(hyphae passphrase\)/)
  })

  it('says nothing of the kind when a passphrase protects it', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob', { online: true })
    fake.passphrase = true
    const h = renderApp(fake, { columns: 200 })
    const s = await h.waitFor(s => s.includes('outbox 0'))
    assert.doesNotMatch(s, /passphrase/)
  })
})
