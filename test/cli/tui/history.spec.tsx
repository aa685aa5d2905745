import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger } from './fake-messenger.ts'
import { renderApp, type Harness } from './harness.tsx'
import { KEYS, SOON } from './poll.ts'
import { waitFor } from '../../fixtures/wait-for.ts'
import { PAGE_SIZE } from '../../../cli/tui/hooks/use-messages.ts'

/** the message numbers on screen, top to bottom */
const shown = (s: string): number[] => [...s.matchAll(/message number (\d+)\b/g)].map(m => Number(m[1]))

/** how long until the screen shows what `expected` checks, after `action` (logged, never asserted) */
async function timed (h: Harness, action: () => void, expected: (s: string) => boolean): Promise<number> {
  const started = performance.now()
  action()
  await waitFor(() => expected(h.screen()), { message: () => `the screen after the key; it shows:\n${h.screen()}`, ...SOON, interval: 0 })
  return performance.now() - started
}

const summary = (ms: number[]): string => {
  const sorted = [...ms].sort((a, b) => a - b)
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms over ${ms.length}`
}

describe('tui: long histories', () => {
  afterEach(() => { cleanup() })

  it('with 10,000 messages, typing and paging stay responsive and pages load lazily', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob')
    fake.seed(bob, 10_000, { end: new Date(2025, 2, 3, 23, 0).getTime() })
    const h = renderApp(fake, { columns: 100, rows: 24 })

    let s = await h.waitFor('message number 9999')
    // 24 rows: 20 for messages, one each for the header, composer, status line and bar
    assert.deepEqual(shown(s), Array.from({ length: 20 }, (_, i) => 9980 + i))
    // the view's pages (the list also reads the newest 200 once, to count unread messages)
    const pages = (): Array<{ limit?: number, before?: string }> => fake.callsOf('listMessages')
      .map(([, o]) => o as { limit?: number, before?: string }).filter(o => o.limit === PAGE_SIZE)
    assert.equal(pages()[0].before, undefined)
    // the first page is far from the top of the view: nothing more is loaded yet
    await waitFor(() => h.screen().includes('› '), { message: 'composer', ...SOON })
    assert.equal(pages().length, 1)

    // typing: only the composer re-renders
    const typing: number[] = []
    let typed = ''
    const composer = (s: string): string => s.split('\n').find(l => l.startsWith('› '))?.trimEnd() ?? ''
    for (const ch of 'hello bob, how is the weather') {
      typed += ch
      // a trailing space is invisible: it is checked with the next character
      if (ch === ' ') { h.press(ch); continue }
      typing.push(await timed(h, () => h.press(ch), s => composer(s) === `› ${typed}`))
    }
    console.log(`# keystroke to frame with 10,000 messages: ${summary(typing)}`)
    s = h.screen()
    assert.ok(s.includes('message number 9999'), 'the conversation is still shown')

    // paging up: each page keeps one message of the previous one for context
    const paging: number[] = []
    paging.push(await timed(h, () => h.press(KEYS.pageUp), s => shown(s).at(-1) === 9980))
    s = h.screen()
    assert.deepEqual(shown(s), Array.from({ length: 19 }, (_, i) => 9962 + i), 'one row is the "newer" hint')
    assert.match(s, /↓ 19 newer · PgDn, or Esc for the latest/)
    assert.match(s, /› hello bob, how is the weather/, 'the draft survives paging')

    // far enough up, older pages load, one at a time, each starting before the oldest loaded
    for (let i = 0; i < 40; i++) {
      const before = shown(h.screen())
      paging.push(await timed(h, () => h.press(KEYS.pageUp), s => shown(s).at(-1)! < before.at(-1)!))
      // what was at the top is now at the bottom: a page less one message, whatever the day separators take
      assert.equal(shown(h.screen()).at(-1), before[0])
    }
    console.log(`# PgUp to frame with 10,000 messages: ${summary(paging)}`)
    s = h.screen()
    const bottom = shown(s).at(-1)!
    assert.ok(bottom < 9980 - 40 * 17, `40 pages up (${bottom})`)
    const loads = pages()
    assert.ok(loads.length >= 8 && loads.length <= 12, `pages loaded as needed, not all at once (${loads.length})`)
    assert.ok(loads.slice(1).every(p => p.before != null && p.limit === PAGE_SIZE))
    assert.equal(new Set(loads.map(p => p.before)).size, loads.length, 'no page is asked for twice')
    assert.ok(loads.length * PAGE_SIZE < 10_000)

    h.press(KEYS.pageDown)
    await h.waitFor(s => shown(s)[0] === bottom)
    h.press(KEYS.escape)
    s = await h.waitFor(s => shown(s).at(-1) === 9999)
    assert.ok(!s.includes('newer ·'))
    h.press(KEYS.enter)
    await h.waitFor(s => /◷ +alice: hello bob, how is the weather/.test(s))
  })

  it('a held PgUp (keys in one chunk) moves one page per key', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    fake.seed(bob, 500)
    const h = renderApp(fake)
    await h.waitFor('message number 499')
    h.press(KEYS.pageUp + KEYS.pageUp + KEYS.pageUp)
    await h.waitFor(s => shown(s).at(-1) === 480 - 2 * 18)
  })

  it('reaches the beginning of a conversation', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    fake.seed(bob, 150)
    const h = renderApp(fake)
    await h.waitFor('message number 149')
    for (let i = 0; i < 12; i++) h.press(KEYS.pageUp)
    const s = await h.waitFor('the beginning of your conversation with bob')
    assert.equal(shown(s)[0], 0)
    assert.equal(fake.callsOf('listMessages').filter(([, o]) => (o as { limit: number }).limit === PAGE_SIZE).length, 2)
  })

  it('keeps the view still when a message arrives while scrolled up', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    fake.seed(bob, 100)
    const h = renderApp(fake)
    await h.waitFor('message number 99')
    h.press(KEYS.pageUp)
    const before = shown(await h.waitFor('↓ 19 newer'))
    fake.receive(bob, 'a new one')
    const s = await h.waitFor('↓ 20 newer')
    assert.deepEqual(shown(s), before)
    h.press(KEYS.escape)
    await h.waitFor('bob: a new one')
  })

  it('replies: ↑ on an empty composer picks a message, Enter quotes it, the reply shows the quote', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob')
    const list = fake.seed(bob, 40, { body: i => `message number ${i} with some more words after it` })
    const h = renderApp(fake)
    await h.waitFor('message number 39')
    h.press(KEYS.up)
    await h.waitFor('Enter replies to it')
    h.press(KEYS.up)
    h.press(KEYS.enter)
    let s = await h.waitFor('↳ replying to bob: "message number 38 with some more…"')
    assert.match(s, /Esc cancels/)
    h.press('agreed')
    h.press(KEYS.enter)
    s = await h.waitFor(s => /alice: agreed/.test(s))
    assert.match(s, /↳ bob: "message number 38 with some more…"\n.*alice: agreed/)
    assert.deepEqual(fake.callsOf('sendMessage')[0], [bob, 'agreed', { replyTo: list[38].id }])
    assert.ok(!s.includes('replying to'))

    // Esc leaves picking, and cancels a reply
    h.press(KEYS.up)
    await h.waitFor('Enter replies to it')
    h.press(KEYS.enter)
    await h.waitFor('replying to alice: "agreed"')
    h.press(KEYS.escape)
    await h.waitFor(s => !s.includes('replying to'))
    h.press(KEYS.up)
    await h.waitFor('Enter replies to it')
    h.press(KEYS.escape)
    await h.waitFor('message bob')
    h.press('plain')
    h.press(KEYS.enter)
    await h.waitFor('alice: plain')
    assert.deepEqual(fake.callsOf('sendMessage')[1], [bob, 'plain', {}])
  })
})
