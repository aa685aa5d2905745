import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger, fakePeerId } from './fake-messenger.ts'
import { enter, line, renderApp } from './harness.tsx'
import { KEYS } from './poll.ts'

describe('tui: channels', () => {
  afterEach(() => { cleanup() })

  it('marks a channel » beside the groups, and a followed one reads as read only', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    fake.addFake('bob', { online: true })
    const owner = fakePeerId('Newsroom')
    const channel = fake.groups.seedChannel('news', owner)
    fake.groups.seedGroup('book club', fakePeerId('Carol'))
    fake.groups.receive(channel, owner, 'the morning edition')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    const s = h.screen()
    assert.match(line(s, 'news'), /» news +1│/, 'a channel is marked », with its unread count')
    assert.match(line(s, 'book club'), /# book club/, 'a group keeps its #')
    h.press(KEYS.tab)
    await h.waitFor('message book club')
    h.press(KEYS.tab)
    const opened = await h.waitFor('read only')
    assert.match(opened, /news · channel · you follow it: read only/)
    assert.match(opened, /a channel you follow: read only/)
    assert.match(opened, /the morning edition/)
  })

  it('/join with a channel invite follows it and opens it', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    fake.addFake('bob', { online: true })
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/join hyphae://channel/c0ffee')
    await h.waitFor('following')
    assert.deepEqual(fake.callsOf('followChannel'), [['hyphae://channel/c0ffee']])
    assert.equal(fake.callsOf('joinGroup').length, 0, 'not joined as a group')
    await h.waitFor(x => /» c0ffee/.test(x))
  })

  it('/remove in a channel you own revokes that editor', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const channel = fake.groups.seedChannel('news', fake.peerId)
    const editor = fakePeerId('Editor')
    const h = renderApp(fake)
    await h.waitFor('message news')
    enter(h, `/remove ${editor}`)
    await h.waitFor('followers of news refuse their posts from now on')
    assert.deepEqual(fake.callsOf('revokeChannelEditor'), [[channel, editor]])
    assert.equal(fake.callsOf('removeGroupMember').length, 0, 'not a member removal')
  })
})
