import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger } from './fake-messenger.ts'
import { enter, renderApp } from './harness.tsx'

describe('tui: /reset, a new secure session', () => {
  afterEach(() => { cleanup() })

  it('resets the open conversation\'s session and says the safety number is unchanged', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob', { online: true })
    const h = renderApp(fake, { columns: 200 })
    await h.waitFor('message bob')
    enter(h, '/reset')
    await h.waitFor('secure session with bob reset')
    await h.waitFor('Safety number unchanged')
    assert.deepEqual(fake.callsOf('resetSession'), [[bob]])
  })
})
