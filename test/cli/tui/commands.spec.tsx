import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { FakeMessenger, fakeInvite, fakePeerId } from './fake-messenger.ts'
import { enter, line, renderApp } from './harness.tsx'
import { KEYS, SOON } from './poll.ts'
import { waitFor } from '../../fixtures/wait-for.ts'
import { isCommand, parseCommand } from '../../../cli/tui/commands.ts'

describe('tui: the slash-command parser', () => {
  it('parses every command', () => {
    const ok: Array<[string, unknown]> = [
      ['/help', { name: 'help' }],
      ['/quit', { name: 'quit' }],
      ['/add hyphae://invite/abc', { name: 'add', invite: 'hyphae://invite/abc' }],
      // the node finds the invite in the text, pasted in pieces or not, and names it by the words after
      ['/add hyphae://invite/abc Bob Smith', { name: 'add', invite: 'hyphae://invite/abc Bob Smith' }],
      ['/invite', { name: 'invite' }],
      ['/accept', { name: 'accept' }],
      ['/block', { name: 'block' }],
      ['/unblock bob', { name: 'unblock', who: 'bob' }],
      ['/verify', { name: 'verify' }],
      ['/nick  Alice  B ', { name: 'nick', nickname: 'Alice  B' }],
      ['/rename Bobby', { name: 'rename', nickname: 'Bobby' }],
      ['/doctor', { name: 'doctor' }],
      ['/receipts', { name: 'receipts' }],
      ['/receipts ON', { name: 'receipts', on: true }],
      ['/receipts off', { name: 'receipts', on: false }],
      ['/relay hyphae://relay/BApP LAIG', { name: 'relay', line: 'hyphae://relay/BApPLAIG' }],
      ['/relays', { name: 'relays' }],
      ['/group new book club', { name: 'group-new', groupName: 'book club' }],
      ['/group invite bob', { name: 'group-invite', member: 'bob' }],
      ['/group invite', { name: 'group-invite', member: undefined }],
      ['/join hyphae://group/x', { name: 'join', invite: 'hyphae://group/x' }],
      ['/join', { name: 'join', invite: undefined }],
      ['/leave', { name: 'leave' }],
      ['/remove bob', { name: 'remove', member: 'bob' }],
      ['/members', { name: 'members' }]
    ]
    for (const [input, command] of ok) assert.deepEqual(parseCommand(input), { command }, input)
  })

  it('says what is wrong with a bad command', () => {
    const bad: Array<[string, RegExp]> = [
      ['/', /type a command after \//],
      ['/frobnicate', /unknown command \/frobnicate \(see \/help\)/],
      ['/add', /usage: \/add INVITE \[NICK\]/],
      ['/nick', /usage: \/nick NAME/],
      ['/rename', /usage: \/rename NAME/],
      ['/nick ' + 'x'.repeat(65), /at most 64 characters/],
      ['/receipts maybe', /usage: \/receipts on\|off/],
      ['/relay', /usage: \/relay LINE/],
      ['/relays all', /\/relays takes no arguments/],
      ['/block bob', /\/block takes no arguments/],
      ['/quit now', /\/quit takes no arguments/],
      ['/group', /usage: \/group new NAME/],
      ['/group new', /usage: \/group new NAME/],
      ['/join a b', /usage: \/join \[INVITE\]/],
      ['/unblock', /usage: \/unblock NAME/],
      ['/remove', /usage: \/remove MEMBER/],
      ['/members all', /\/members takes no arguments/]
    ]
    for (const [input, error] of bad) {
      const r = parseCommand(input)
      assert.ok('error' in r, input)
      assert.match(r.error, error, input)
    }
    assert.equal(isCommand('/help'), true)
    assert.equal(isCommand('//not a command'), false)
    assert.equal(isCommand('hello /help'), false)
  })
})

describe('tui: slash commands on the main screen', () => {
  afterEach(() => { cleanup() })

  it('/add adds a contact from an invite, opens it and dials; a bad invite says why', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    const dave = fakePeerId('Dave')
    enter(h, `/add ${fakeInvite(dave, 'dave')} Dave D`)
    const s = await h.waitFor('added Dave D')
    assert.match(s, /Dave D ○ offline/, 'the new contact is open')
    assert.match(s, /○ Dave D/, 'and in the list')
    assert.deepEqual(fake.callsOf('addContact')[0], [`${fakeInvite(dave, 'dave')} Dave D`, undefined])
    await waitFor(() => fake.callsOf('connect').length === 1, { message: 'a dial', ...SOON })

    enter(h, '/add not-an-invite')
    await h.waitFor('✗ not an invite or a peer id: "not-an-invite"')
    enter(h, '/add')
    await h.waitFor('✗ usage: /add INVITE [NICK]')
  })

  it('/invite shows the invite, its QR code and how to add a contact; Esc closes it', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const h = renderApp(fake, { columns: 100, rows: 60 })
    await h.waitFor('No conversations yet.')
    enter(h, '/invite')
    const s = await h.waitFor(/[▀▄█]{5}/)
    assert.match(s, /your invite:/)
    const invite = fakeInvite(fake.peerId, 'alice')
    assert.ok(s.replace(/[\s│]/g, '').includes(invite), 'the whole invite string')
    assert.match(s, /\/add INVITE NICK/)
    h.press(KEYS.escape)
    await h.waitFor(s => !s.includes('y copies the invite') && s.includes('No conversations yet.'))
  })

  it('a message request is marked, cannot be answered until /accept, and /accept makes it a contact', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const stranger = fakePeerId('Stranger')
    fake.receive(stranger, 'hi, we met at the conference')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/accept')
    await h.waitFor('✗ bob is not a message request')

    h.press(KEYS.tab)
    await h.waitFor('message request: /accept or /block')
    h.press('hello?')
    h.press(KEYS.enter)
    let s = await h.waitFor('is a message request: /accept before replying')
    assert.match(s, /› hello\?/, 'the text is kept')
    assert.equal(fake.callsOf('sendMessage').length, 0)

    enter(h, '/accept')
    s = await h.waitFor('is a contact now')
    assert.deepEqual(fake.callsOf('acceptRequest')[0], [stranger])
    assert.ok(!s.includes('requests'), 'no requests left')
    enter(h, 'nice to meet you')
    await h.waitFor(s => line(s, 'nice to meet you').includes('◷'))
    assert.equal(fake.callsOf('sendMessage')[0][0], stranger)
  })

  it('/block blocks the open conversation and drops it from the list; /unblock brings it back', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    fake.addFake('carol')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/block')
    await h.waitFor('blocked bob: nothing from them reaches you (/unblock bob undoes it)')
    assert.deepEqual(fake.callsOf('blockContact')[0], [bob])
    await h.waitFor(s => s.includes('carol ○ offline') && !s.includes('○ bob'))

    enter(h, '/unblock robert')
    await h.waitFor('✗ nobody called "robert" is blocked')
    enter(h, '/unblock bob')
    await h.waitFor(s => s.includes('unblocked bob') && s.includes('bob ○ offline'))
    assert.deepEqual(fake.callsOf('addContact')[0], [bob, 'bob'])
  })

  it('/verify shows the safety number of the open contact', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/verify')
    const s = await h.waitFor('Your safety number with bob')
    const groups = fake.contacts.get(bob)!.safetyNumber!.split(' ')
    assert.equal(groups.length, 12)
    assert.match(s, new RegExp(groups.slice(0, 4).join('  ')))
    assert.match(s, new RegExp(groups.slice(8).join('  ')))
    assert.match(s, /nobody sits between you/)
    h.press(KEYS.escape)
    await h.waitFor(s => !s.includes('safety number') && s.includes('message bob'))
  })

  it('/nick renames you, /rename renames the contact', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/nick Alice Liddell')
    await h.waitFor('your nickname is now Alice Liddell')
    assert.equal(fake.nickname, 'Alice Liddell')
    enter(h, 'hello')
    await h.waitFor('Alice Liddell: hello')

    enter(h, '/rename Robert')
    const s = await h.waitFor('renamed bob to Robert')
    assert.match(s, /Robert ○ offline/)
    assert.match(s, /○ Robert/)
  })

  it('/doctor summarises the node', async () => {
    const fake = new FakeMessenger()
    const bob = fake.addFake('bob', { online: true })
    const h = renderApp(fake, { rows: 40 })
    await h.waitFor('message bob')
    enter(h, '/doctor')
    const s = await h.waitFor('reachability')
    assert.match(s, /connected, but others cannot dial you/, 'the verdict')
    assert.match(s, /reachability +LAN only/)
    assert.match(s, /NAT +private/)
    assert.match(s, /connections +1/)
    assert.match(s, /relays held +none/)
    assert.match(s, /outbox +0 messages waiting/)
    assert.match(s, /DHT +server mode, 1 peers/)
    assert.match(s, /read receipts +off/)
    assert.match(s, /• connect to a relay/, 'the advice')
    assert.match(s, new RegExp(`→ ${bob}`))
    assert.equal(fake.callsOf('doctor').length, 1)
  })

  it('/relay adds a relay line and /relays lists it; Esc closes the list', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/relay hyphae://relay/BApP LAIG')
    await h.waitFor('added relay')
    assert.deepEqual(fake.callsOf('addRelay')[0], ['hyphae://relay/BApPLAIG'], 'the pieces of a wrapped paste joined')
    enter(h, '/relays')
    await h.waitFor(/○ tls +hyphae:\/\/relay\/BApPLAIG/)
    h.press(KEYS.escape)
    await h.waitFor(s => !s.includes('○ tls') && s.includes('message bob'))
  })

  it('/relays says how to add one when there is none', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/relays')
    await h.waitFor('none added: /relay LINE adds one')
  })

  it('/receipts shows and changes the read-receipt setting', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/receipts')
    await h.waitFor('read receipts are off')
    enter(h, '/receipts on')
    await h.waitFor('read receipts on')
    assert.deepEqual(fake.callsOf('updateSettings')[0], [{ readReceipts: true }])
    assert.equal(fake.settingsValue.readReceipts, true)
    enter(h, '/receipts off')
    await h.waitFor('read receipts off')
    enter(h, '/receipts maybe')
    await h.waitFor('✗ usage: /receipts on|off')
  })

  it('names an unknown command and bad arguments in the status line', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/frobnicate now')
    await h.waitFor('✗ unknown command /frobnicate (see /help)')
    enter(h, '/nick')
    await h.waitFor('✗ usage: /nick NAME')
    enter(h, '/block everyone')
    await h.waitFor('✗ /block takes no arguments')
    assert.equal(fake.callsOf('sendMessage').length, 0)
    assert.equal(fake.callsOf('blockContact').length, 0)
  })

  it('/help opens the help and /quit stops the node', async () => {
    const fake = new FakeMessenger()
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/help')
    await h.waitFor('hyphae help')
    h.press(KEYS.escape)
    await h.waitFor(s => !s.includes('hyphae help'))
    enter(h, '/quit')
    await waitFor(() => fake.stopped, { message: 'stop()', ...SOON })
    await waitFor(() => fake.listenerTotal() === 0, { message: 'listeners removed', ...SOON })
  })
})
