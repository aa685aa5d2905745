import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import stringWidth from 'string-width'
import { FakeMessenger, fakePeerId } from './fake-messenger.ts'
import { line, renderApp } from './harness.tsx'
import { KEYS, SOON } from './poll.ts'
import { waitFor } from '../../fixtures/wait-for.ts'
import { COMMAND_HELP } from '../../../cli/tui/commands.ts'
import { KEYS as HELP_KEYS } from '../../../cli/tui/components/HelpOverlay.tsx'

const at = (y: number, m: number, d: number, h: number, min: number): number => new Date(y, m - 1, d, h, min).getTime()

describe('tui: the main screen', () => {
  afterEach(() => { cleanup() })

  it('lists contacts, then message requests marked as such, with unread counts and online marks', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob', { online: true })
    const carol = fake.addFake('carol')
    fake.put(carol, { body: 'one', status: 'received' })
    fake.put(carol, { body: 'two', status: 'received' })
    fake.put(carol, { body: 'three', status: 'read' })
    const stranger = fakePeerId('Stranger')
    fake.receive(stranger, 'hello, you do not know me')
    const h = renderApp(fake)

    const s = await h.waitFor(s => s.includes('requests') && /○ carol\s+2/.test(s))
    const lines = s.split('\n')
    const idx = (t: string): number => lines.findIndex(l => l.includes(t))
    assert.ok(idx('contacts') < idx('● bob') && idx('● bob') < idx('○ carol'), s)
    assert.ok(idx('○ carol') < idx('requests') && idx('requests') < idx(`? ${stranger.slice(-8)}`), s)
    assert.match(line(s, `? ${stranger.slice(-8)}`), /1/, 'the request shows its message count')
    assert.match(s, /bob ● online/, 'bob (first by name) is open')

    fake.connectPeer(carol)
    fake.disconnectPeer(bob)
    await h.waitFor(s => s.includes('● carol') && s.includes('○ bob'))
  })

  it('keeps a connection that happens while the list loads', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    fake.latency = 100
    const h = renderApp(fake)
    fake.connectPeer(bob)
    await h.waitFor('● bob')
    await waitFor(() => fake.callsOf('listMessages').length > 0, { message: 'the list loaded', ...SOON })
    assert.match(h.screen(), /bob ● online/)
  })

  it('shows a conversation with timestamps, day separators, quoted replies and delivery marks', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob')
    const first = fake.put(bob, { body: 'hello there, how have you been lately my old friend', sentAt: at(2025, 3, 3, 12, 0) })
    fake.put(bob, { direction: 'out', body: 'fine thanks', replyTo: first.id, sentAt: at(2025, 3, 4, 9, 30), status: 'delivered' })
    const queued = fake.put(bob, { direction: 'out', body: 'are you there?', sentAt: at(2025, 3, 4, 9, 31), status: 'queued' })
    fake.put(bob, { direction: 'out', body: 'seen this one', sentAt: at(2025, 3, 4, 9, 32), status: 'read' })
    fake.put(bob, { direction: 'out', body: 'refused one', sentAt: at(2025, 3, 4, 9, 33), status: 'failed' })
    const h = renderApp(fake)

    const s = await h.waitFor('refused one')
    assert.match(s, /─+ Mon 3 Mar 2025 ─+/)
    assert.match(s, /─+ Tue 4 Mar 2025 ─+/)
    assert.ok(s.indexOf('Mon 3 Mar 2025') < s.indexOf('hello there') && s.indexOf('hello there') < s.indexOf('Tue 4 Mar 2025'), s)
    assert.match(line(s, 'hello there'), /12:00 +bob: hello there/)
    assert.match(s, /↳ bob: "hello there, how have you been…"/, 'a reply quotes the first words')
    assert.match(line(s, 'fine thanks'), /09:30 ✓✓ alice: fine thanks/)
    assert.match(line(s, 'are you there?'), /09:31 ◷ +alice:/)
    assert.match(line(s, 'seen this one'), /09:32 ◉ +alice:/)
    assert.match(line(s, 'refused one'), /09:33 ✗ +alice:/)

    fake.receipt(queued.id, 'delivered')
    await h.waitFor(s => /09:31 ✓✓ alice: are you there\?/.test(s))
  })

  it('shows the short peer id, connections, reachability and outbox size in the status bar', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob', { online: true })
    const carol = fake.addFake('carol')
    const h = renderApp(fake)
    const tail = fake.peerId.slice(-8)
    await h.waitFor(s => line(s, tail).includes('1 conn · LAN only · outbox 0'))

    fake.reachability = 'via-relay'
    fake.connectPeer(carol)
    await h.waitFor(s => line(s, tail).includes('2 conn · via relay'))
    fake.reachability = 'direct'
    h.press('hello', KEYS.enter)
    await h.waitFor(s => line(s, tail).includes('2 conn · direct · outbox 1'))
    fake.disconnectPeer(carol)
    fake.disconnectPeer(bob)
    await h.waitFor(s => line(s, tail).includes('0 conn · offline'))
    assert.ok(!h.screen().includes(fake.peerId), 'the peer id is shortened')
  })

  it('switches conversations with Tab, Shift+Tab, Ctrl+N and Ctrl+P; opening a contact marks it read', async () => {
    const fake = new FakeMessenger()
    const alice = fake.addFake('alice')
    const bob = fake.addFake('bob')
    const carol = fake.addFake('carol')
    fake.put(carol, { body: 'unread one', status: 'received' })
    fake.put(carol, { body: 'unread two', status: 'received' })
    const stranger = fakePeerId('Stranger')
    fake.receive(stranger, 'buy my stuff')
    const h = renderApp(fake)
    await h.waitFor(s => s.includes('alice ○ offline') && /carol\s+2/.test(s))
    await waitFor(() => fake.callsOf('markRead').some(([ref]) => ref === alice), { message: 'alice marked read', ...SOON })

    h.press(KEYS.tab)
    await h.waitFor('bob ○ offline')
    h.press(KEYS.ctrlN)
    await h.waitFor(s => s.includes('carol ○ offline') && s.includes('unread two'))
    await waitFor(() => fake.callsOf('markRead').some(([ref]) => ref === carol), { message: 'carol marked read', ...SOON })
    await h.waitFor(s => !/carol\s+2/.test(s))
    h.press(KEYS.tab)
    await h.waitFor('message request: /accept or /block')
    h.press(KEYS.tab)
    await h.waitFor('alice ○ offline')
    h.press(KEYS.shiftTab)
    await h.waitFor('message request: /accept or /block')
    h.press(KEYS.ctrlP)
    await h.waitFor('carol ○ offline')
    h.press(KEYS.shiftTab)
    await h.waitFor('bob ○ offline')
    await waitFor(() => fake.callsOf('markRead').some(([ref]) => ref === bob), { message: 'bob marked read', ...SOON })
    // a stranger is not told that you read their request
    assert.ok(!fake.callsOf('markRead').some(([ref]) => ref === stranger))
  })

  it('sends with Enter; your message shows queued, then delivered, then read', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob', { online: true })
    const h = renderApp(fake)
    await h.waitFor('message bob')
    h.press('hello bob')
    await h.waitFor('› hello bob')
    h.press(KEYS.enter)
    const s = await h.waitFor(s => line(s, 'hello bob').includes('◷'))
    assert.match(line(s, 'alice: hello bob'), /◷ +alice: hello bob/)
    assert.match(s, /› +message bob/, 'the composer is empty again')
    const [[ref, text, options]] = fake.callsOf('sendMessage')
    assert.deepEqual([ref, text, options], [bob, 'hello bob', {}])

    const id = fake.conversations.get(bob)!.at(-1)!.id
    fake.receipt(id, 'delivered')
    await h.waitFor(s => /✓✓ alice: hello bob/.test(s))
    fake.receipt(id, 'read')
    await h.waitFor(s => /◉ +alice: hello bob/.test(s))

    // a leading // sends a literal /
    h.press('//shrug')
    h.press(KEYS.enter)
    await h.waitFor('alice: /shrug')
    // editing keys: backspace, Ctrl+W, Ctrl+U
    h.press('abc def')
    h.press(KEYS.backspace)
    await h.waitFor('› abc de')
    h.press('\u0017')
    await h.waitFor(s => /› abc\s*$/m.test(s))
    h.press('\u0015')
    await h.waitFor(/› +message bob/)
  })

  it('rings the bell and marks a message that arrives in another conversation', async () => {
    const fake = new FakeMessenger()
    const alice = fake.addFake('alice')
    const bob = fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('alice ○ offline')
    await waitFor(() => fake.callsOf('markRead').length === 1, { message: 'alice read on opening', ...SOON })
    const bells = (): number => h.frames.filter(f => f === '\u0007').length

    fake.receive(bob, 'psst, over here')
    const s = await h.waitFor('new message from bob')
    assert.match(line(s, '○ bob'), /bob\s+1/)
    assert.equal(bells(), 1)

    // in the open conversation: shown and read, no bell
    fake.receive(alice, 'right here')
    await h.waitFor('alice: right here')
    await waitFor(() => fake.callsOf('markRead').filter(([ref]) => ref === alice).length >= 2, { message: 'alice read again', ...SOON })
    assert.equal(bells(), 1)

    h.press(KEYS.tab)
    await h.waitFor(s => s.includes('psst, over here') && !s.includes('new message from bob'))
  })

  it('rings no bell when told not to', async () => {
    const fake = new FakeMessenger()
    fake.addFake('alice')
    const bob = fake.addFake('bob')
    const h = renderApp(fake, { bell: false })
    await h.waitFor('alice ○ offline')
    fake.receive(bob, 'quiet please')
    await h.waitFor('new message from bob')
    assert.ok(!h.frames.includes('\u0007'))
  })

  it('re-lays out on resize: the list narrows at 60 columns and collapses below 50', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob')
    fake.addFake('carol')
    fake.addFake('dave')
    fake.put(bob, { body: 'a long message that will certainly need wrapping when the terminal becomes narrow enough to matter', sentAt: at(2025, 3, 3, 12, 0) })
    const h = renderApp(fake)
    const fits = (s: string, columns: number): boolean => s.split('\n').every(l => stringWidth(l) <= columns)

    let s = await h.waitFor('narrow enough')
    assert.equal(line(s, 'contacts').indexOf('│'), 22, s)
    h.resize(60, 20)
    s = await h.waitFor(s => line(s, 'contacts').indexOf('│') === 16)
    assert.ok(fits(s, 60), s)
    assert.ok(s.includes('narrow') && s.includes('matter'), 'the message wraps, nothing lost')
    assert.match(s, /message bob/, 'the composer is there')
    assert.match(s, /outbox 0/, 'the status bar is there')
    assert.equal(s.split('\n').length, 20)

    h.resize(44, 16)
    s = await h.waitFor('(1/3) bob')
    assert.ok(!s.includes('│'), 'no list pane')
    assert.ok(fits(s, 44), s)
    h.press(KEYS.tab)
    await h.waitFor('(2/3) carol')
    h.resize(120, 30)
    s = await h.waitFor(s => line(s, 'contacts').indexOf('│') === 28)
    assert.equal(s.split('\n').length, 30)
  })

  it('shows help with ? on an empty composer, or /help, listing every key and command; Esc closes it', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake, { rows: 60 })
    await h.waitFor('message bob')
    h.press('?')
    let s = await h.waitFor('hyphae help')
    for (const [key] of HELP_KEYS) assert.ok(s.includes(key), `help lists ${key}`)
    for (const c of COMMAND_HELP) assert.ok(s.includes(c.usage), `help lists ${c.usage}`)
    h.press(KEYS.escape)
    await h.waitFor(s => !s.includes('hyphae help') && s.includes('message bob'))

    // ? in a message is just a character
    h.press('why', '?')
    await h.waitFor('› why?')
    h.press('\u0015', '/help', KEYS.enter)
    await h.waitFor('hyphae help')
    h.press('q')
    await h.waitFor(s => !s.includes('hyphae help'))

    // on a small terminal the help scrolls
    h.resize(80, 14)
    h.press('?')
    s = await h.waitFor('hyphae help')
    assert.ok(!s.includes('/remove MEMBER'))
    // one page at a time, each press once the last one has been drawn
    for (let i = 0; i < 10 && !h.screen().includes('/remove MEMBER'); i++) {
      const at = /(\d+)-\d+ of \d+/.exec(h.screen())?.[1]
      h.press(KEYS.pageDown)
      await h.waitFor(x => /(\d+)-\d+ of \d+/.exec(x)?.[1] !== at)
    }
    await h.waitFor('/remove MEMBER')
  })

  it('guides a first contact when there is none', async () => {
    const fake = new FakeMessenger()
    const h = renderApp(fake)
    const s = await h.waitFor('No conversations yet.')
    assert.match(s, /Share your invite with \/invite/)
    assert.match(s, /\/add INVITE NICK/)
    h.press('hello', KEYS.enter)
    await h.waitFor('no conversation open')
    assert.equal(fake.callsOf('sendMessage').length, 0)
  })

  it('quits on Ctrl+C: stops the node once and removes every listener', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    assert.ok(fake.listenerTotal() > 0)
    h.press('half-typed')
    h.press(KEYS.ctrlC)
    await waitFor(() => fake.stopped, { message: 'stop()', ...SOON })
    await waitFor(() => fake.listenerTotal() === 0, { message: () => `listeners removed (${fake.listenerTotal()} left)`, ...SOON })
    assert.equal(fake.callsOf('stop').length, 1)
    assert.equal(fake.callsOf('sendMessage').length, 0, 'a half-typed line is not sent')
  })

  it('removes its listeners when unmounted', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    assert.ok(fake.listenerTotal() >= 8)
    h.unmount()
    assert.equal(fake.listenerTotal(), 0)
  })
})
