import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger } from './fake-messenger.ts'
import { enter, renderApp } from './harness.tsx'
import { formatTimer, parseTimer } from '../../../cli/duration.ts'

describe('tui: /timer, disappearing messages', () => {
  afterEach(() => { cleanup() })

  it('sets the open conversation\'s timer for both sides, turns it off, and says what a bad one lacks', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob', { online: true })
    const h = renderApp(fake, { columns: 140 })
    await h.waitFor('message bob')
    enter(h, '/timer 1h')
    await h.waitFor('messages with bob now disappear 1h after they arrive, on both sides')
    assert.deepEqual(fake.callsOf('setTimer')[0], [bob, 3600])
    enter(h, '/timer off')
    await h.waitFor('messages with bob are kept again')
    assert.deepEqual(fake.callsOf('setTimer')[1], [bob, 0])
    enter(h, '/timer soon')
    await h.waitFor('✗ usage: /timer 1h|off')
    assert.equal(fake.callsOf('setTimer').length, 2)
  })

  it('reads the durations people write', () => {
    assert.equal(parseTimer('30s'), 30)
    assert.equal(parseTimer('5m'), 300)
    assert.equal(parseTimer(' 1D '), 86400)
    assert.equal(parseTimer('2w'), 14 * 86400)
    assert.equal(parseTimer('off'), 0)
    for (const bad of ['', 'h', '1', '1y', '-1h', '1.5h', '99999999s']) assert.equal(parseTimer(bad), undefined, bad)
    assert.equal(formatTimer(3600), '1h')
    assert.equal(formatTimer(90), '90s')
    assert.equal(formatTimer(0), 'off')
  })
})
