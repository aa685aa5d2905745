import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger } from './fake-messenger.ts'
import { enter, renderApp } from './harness.tsx'
import { parseCommand } from '../../../cli/tui/commands.ts'

describe('tui: files', () => {
  afterEach(() => { cleanup() })

  it('parses /file and /get', () => {
    assert.deepEqual(parseCommand('/file /tmp/my leaflet.pdf'), { command: { name: 'file', path: '/tmp/my leaflet.pdf' } })
    assert.deepEqual(parseCommand('/file "/tmp/a b.pdf"'), { command: { name: 'file', path: '/tmp/a b.pdf' } })
    assert.deepEqual(parseCommand('/get'), { command: { name: 'get', file: undefined } })
    assert.deepEqual(parseCommand('/get 1a2b'), { command: { name: 'get', file: '1a2b' } })
    assert.match((parseCommand('/file') as { error: string }).error, /usage: \/file PATH/)
  })

  it('/file sends a file to the open contact', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/file /tmp/leaflet.pdf')
    await h.waitFor('offered leaflet.pdf')
    assert.deepEqual(fake.callsOf('sendFile')[0], [bob, '/tmp/leaflet.pdf'])
  })

  it('an offered file says how to get it; /get downloads it and its progress shows', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob', { state: 'contact' })
    const offer = fake.offerFile(bob, 'event.mp4', 10 * 1024 * 1024)
    const h = renderApp(fake, { columns: 160 })
    await h.waitFor('offered: /get to download it')
    enter(h, '/get')
    await h.waitFor('downloading event.mp4')
    assert.deepEqual(fake.callsOf('acceptFile')[0], [offer.id])
    fake.safeDispatchEvent('file:progress', { detail: { id: offer.id, conversation: bob, name: 'event.mp4', direction: 'in', state: 'downloading', received: 5 * 1024 * 1024, size: 10 * 1024 * 1024, bytesPerSecond: 1024 * 1024, secondsLeft: 5 } })
    const screen = await h.waitFor('50%')
    assert.match(screen, /\[#{10}\.{10}\] {2}50% {2}5\.0 MiB\/10 MiB {2}1\.0 MiB\/s {2}5 s left/)
    fake.safeDispatchEvent('file:progress', { detail: { id: offer.id, conversation: bob, name: 'event.mp4', direction: 'in', state: 'complete', received: 10 * 1024 * 1024, size: 10 * 1024 * 1024, bytesPerSecond: 0, savedTo: '/home/me/event.mp4' } })
    await h.waitFor('saved to /home/me/event.mp4')
  })
})
