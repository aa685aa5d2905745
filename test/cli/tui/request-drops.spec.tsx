import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger, fakePeerId } from './fake-messenger.ts'
import { renderApp } from './harness.tsx'

describe('tui: the request quota', () => {
  afterEach(() => { cleanup() })

  it('says in the status line what the request quota dropped', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const stranger = fakePeerId('Stranger')
    const h = renderApp(fake)
    await h.waitFor('bob')
    fake.safeDispatchEvent('request:dropped', { detail: { peerId: stranger, messages: 3, whole: false } })
    await h.waitFor(`3 older message(s) from …${stranger.slice(-8)} dropped (request quota)`)
    fake.safeDispatchEvent('request:dropped', { detail: { peerId: stranger, messages: 20, whole: true } })
    await h.waitFor(`message requests are full: the oldest, from …${stranger.slice(-8)}, was dropped`)
  })
})
