import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger, fakePeerId } from './fake-messenger.ts'
import { enter, line, renderApp } from './harness.tsx'

describe('tui: the status line and bar say who you are and what is current', () => {
  afterEach(() => { cleanup() })

  it('shows your own nickname before your short peer id, and /nick changes it', async () => {
    const fake = new FakeMessenger()
    fake.nickname = 'alice'
    fake.addFake('bob')
    const h = renderApp(fake)
    const tail = fake.peerId.slice(-8)
    await h.waitFor(s => line(s, tail).includes(`alice …${tail} · `))
    enter(h, '/nick Alice A')
    await h.waitFor(s => line(s, tail).includes(`Alice A …${tail} · `))
  })

  it('says when it is attached to a running daemon', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const attached = renderApp(fake, { attached: true })
    const tail = fake.peerId.slice(-8)
    await attached.waitFor(s => line(s, tail).includes('outbox 0 · attached to the daemon'))
    attached.unmount()
    const own = renderApp(new FakeMessenger())
    const s = await own.waitFor('outbox 0')
    assert.ok(!s.includes('attached'), 'not when it runs its own node')
  })

  it('an old error leaves the status line once a later action succeeds', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/frobnicate')
    await h.waitFor('✗ unknown command /frobnicate')
    enter(h, 'hello after the typo')
    // in the conversation, not only in the composer
    const s = await h.waitFor(screen => screen.split('\n').some(l => l.includes('hello after the typo') && !l.trimStart().startsWith('›')))
    assert.ok(!s.includes('✗'), `the error is gone:\n${s}`)
  })

  it('a group reads in the order things happened, not in Lamport order', async () => {
    const fake = new FakeMessenger({ nickname: 'me' })
    const alice = fakePeerId('alice')
    const bob = fakePeerId('bob')
    const group = fake.groups.seedGroup('climbers', alice)
    const now = Date.now()
    // bob's join has the lower clock, but alice's came first
    fake.groups.memberJoins(group, bob, 'bob', now - 60_000)
    fake.groups.memberJoins(group, alice, 'alice', now - 120_000)
    const h = renderApp(fake)
    const s = await h.waitFor(x => x.includes('alice joined') && x.includes('bob joined'))
    assert.ok(s.indexOf('alice joined') < s.indexOf('bob joined'), `alice's join first:\n${s}`)
  })
})
