import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { fakeGroupInvite } from './fake-groups.ts'
import { FakeMessenger, fakePeerId } from './fake-messenger.ts'
import { enter, line, renderApp } from './harness.tsx'
import { KEYS, SOON } from './poll.ts'
import { waitFor } from '../../fixtures/wait-for.ts'

/** a node with a contact bob (online) and a group "book club" carol runs, with bob and carol in it */
function withGroup (): { fake: FakeMessenger, bob: string, carol: string, group: string } {
  const fake = new FakeMessenger({ nickname: 'alice' })
  const bob = fake.addFake('bob', { online: true })
  const carol = fakePeerId('Carol')
  const group = fake.groups.seedGroup('book club', carol)
  fake.groups.memberJoins(group, bob, 'bob')
  return { fake, bob, carol, group }
}

describe('tui: groups', () => {
  afterEach(() => { cleanup() })

  it('lists groups in their own section; opening one shows members, authors and joins', async () => {
    const { fake, carol, group } = withGroup()
    fake.groups.receive(group, carol, 'chapter three tonight?')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    let s = h.screen()
    assert.match(s, /groups/, 'a groups section')
    assert.match(line(s, 'book club'), /# book club +1│/, 'marked # with one unread')
    h.press(KEYS.tab)
    s = await h.waitFor('message book club')
    assert.match(s, /book club · 3 members, 1 online/, 'the header counts members and who is online')
    assert.match(s, /─ bob joined/, 'a join is a line of its own')
    assert.match(line(s, 'chapter three'), /…\w{8}: chapter three tonight\?/, 'a member with no join yet is named by the end of their peer id')
    await waitFor(() => fake.callsOf('markGroupRead').length === 1, { message: 'the open group marked read', ...SOON })
    await h.waitFor(x => !/# book club +1│/.test(x))
  })

  it('sends to the open group; ◷ turns ✓ when the message goes out', async () => {
    const { fake, group } = withGroup()
    const h = renderApp(fake)
    await h.waitFor('message bob')
    h.press(KEYS.tab)
    await h.waitFor('message book club')
    enter(h, 'see you at eight')
    const s = await h.waitFor('see you at eight')
    assert.match(line(s, 'see you at eight'), /◷ +alice: see you at eight/)
    assert.deepEqual(fake.callsOf('sendGroupMessage')[0], [group, 'see you at eight'])
    const id = fake.groups.groups.get(group)!.messages.at(-1)!.id
    fake.groups.sent(group, id)
    await h.waitFor(x => /✓ +alice: see you at eight/.test(line(x, 'see you at eight')))
    assert.equal(fake.callsOf('sendMessage').length, 0, 'nothing went to a contact')
  })

  it('counts, rings and names a group message that arrives while another conversation is open', async () => {
    const { fake, bob, group } = withGroup()
    const h = renderApp(fake)
    await h.waitFor('message bob')
    const bells = (): number => h.frames.filter(f => f === '\u0007').length
    fake.groups.receive(group, bob, 'who brings snacks')
    const s = await h.waitFor('new message in book club')
    assert.match(line(s, 'book club'), /# book club +1│/)
    assert.equal(bells(), 1, 'one bell')
    assert.equal(fake.callsOf('markGroupRead').length, 0, 'not read while another conversation is open')
    // a join is not a message: no bell, no count
    fake.groups.memberJoins(group, fakePeerId('Dan'), 'dan')
    fake.groups.receive(group, bob, 'and drinks')
    await h.waitFor(x => /# book club +2│/.test(line(x, 'book club')))
    assert.equal(bells(), 2, 'a bell for the second text only')
  })

  it('a message that arrives while the list is being read again still counts', async () => {
    const { fake, bob, group } = withGroup()
    const h = renderApp(fake)
    await h.waitFor('message bob')
    // the list read that a join starts answers with what the node held then, but late
    let release!: () => void
    const gate = new Promise<void>(resolve => { release = resolve })
    const listGroups = fake.listGroups.bind(fake)
    fake.listGroups = async () => {
      const read = await listGroups()
      await gate
      return read
    }
    fake.groups.memberJoins(group, fakePeerId('Dan'), 'dan')
    fake.groups.receive(group, bob, 'who brings snacks')
    release()
    await h.waitFor(x => /# book club +1│/.test(line(x, 'book club')))
    fake.groups.receive(group, bob, 'and drinks')
    await h.waitFor(x => /# book club +2│/.test(line(x, 'book club')))
  })

  it('/group new creates and opens a group; /group invite shows the invite or sends it to a contact', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/group new hikers')
    await h.waitFor('created hikers')
    let s = await h.waitFor('hikers · 1 member, 0 online · you are admin')
    assert.match(s, /─ alice joined/)
    enter(h, '/group invite')
    s = await h.waitFor('invite to hikers')
    const id = [...fake.groups.groups.keys()][0]
    assert.ok(s.includes(fakeGroupInvite(id, 'hikers')), 'the invite is on screen')
    h.press(KEYS.escape)
    await h.waitFor(x => !x.includes('invite to hikers'))
    enter(h, '/group invite bob')
    await h.waitFor('sent bob the invite to hikers')
    const [to, text] = fake.callsOf('sendMessage')[0] as [string, string]
    assert.equal(to, bob)
    assert.ok(text.includes(`/join ${fakeGroupInvite(id, 'hikers')}`), 'bob gets a /join line')
    enter(h, '/group invite nobody')
    await h.waitFor('✗ no contact "nobody"')
  })

  it('/join joins from an invite and a bad invite says why; /leave keeps the history readable', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    fake.addFake('bob')
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/join hyphae://invite/not-a-group')
    await h.waitFor('✗ invalid group invite: it must start with hyphae://group/')
    enter(h, `/join ${fakeGroupInvite('g00ff', 'climbers')}`)
    let s = await h.waitFor('joined climbers')
    assert.match(s, /climbers · /)
    enter(h, 'hello all')
    await h.waitFor(x => line(x, 'hello all').includes('alice: hello all'))
    enter(h, '/leave')
    s = await h.waitFor('you left climbers')
    assert.match(s, /climbers \(left\) · you left this group/)
    assert.match(s, /alice: hello all/, 'the history stays')
    enter(h, 'anyone?')
    await h.waitFor('✗ climbers (left): you are no longer in this group')
    assert.equal(fake.callsOf('sendGroupMessage').length, 1)
  })

  it('/join with no invite joins the one the open contact sent', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob', { online: true })
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/join')
    await h.waitFor('✗ bob has not sent you a group invite lately: /join INVITE')
    fake.receive(bob, `Join my group "runners" on hyphae: /join ${fakeGroupInvite('g00aa', 'runners')}`)
    fake.receive(bob, 'see you there')
    await h.waitFor('see you there')
    enter(h, '/join')
    await h.waitFor('joined runners')
    assert.deepEqual(fake.callsOf('joinGroup'), [[fakeGroupInvite('g00aa', 'runners')]])
  })

  it('/remove: the admin removes a member by name; others are told only the admin can', async () => {
    const fake = new FakeMessenger({ nickname: 'alice' })
    const bob = fake.addFake('bob', { online: true })
    const h = renderApp(fake)
    await h.waitFor('message bob')
    enter(h, '/group new hikers')
    await h.waitFor('created hikers')
    const id = [...fake.groups.groups.keys()][0]
    fake.groups.memberJoins(id, bob, 'bob')
    await h.waitFor('hikers · 2 members, 1 online')
    enter(h, '/remove zed')
    await h.waitFor('✗ no member "zed" in this group')
    enter(h, '/remove bob')
    const s = await h.waitFor('removed bob; hikers moved to a new key')
    assert.deepEqual(fake.callsOf('removeGroupMember')[0], [id, bob])
    assert.match(s, /alice removed bob; the group moved to a new key/)

    const carol = fakePeerId('Carol')
    const other = fake.groups.seedGroup('their group', carol)
    fake.groups.memberJoins(other, bob, 'bob')
    await h.waitFor('# their group')
    h.press(KEYS.tab)
    await h.waitFor('message their group')
    enter(h, '/remove bob')
    await h.waitFor('✗ only the admin of their group removes members')
    assert.equal(fake.callsOf('removeGroupMember').length, 1)
  })

  it('/members lists who is in, online and admin; contact-only commands say a group is open', async () => {
    const { fake } = withGroup()
    const h = renderApp(fake, { rows: 30 })
    await h.waitFor('message bob')
    h.press(KEYS.tab)
    await h.waitFor('message book club')
    enter(h, '/members')
    const s = await h.waitFor('book club: 3 members')
    assert.match(s, /● alice .*\(you\)/)
    assert.match(s, /● bob /)
    assert.match(s, /○ \(no name yet\) +…\w{8} +\(admin\)/, 'the admin, whose join has not arrived')
    h.press(KEYS.escape)
    await h.waitFor(x => !x.includes('book club: 3 members'))
    enter(h, '/verify')
    await h.waitFor('✗ book club is a group: open the conversation to verify')
    enter(h, '/block')
    await h.waitFor('✗ book club is a group: open the conversation to block')
    assert.equal(fake.callsOf('blockContact').length, 0)
    enter(h, '/members')
    await h.waitFor('book club: 3 members')
    h.press(KEYS.escape)
    await h.waitFor(x => !x.includes('book club: 3 members'))
    h.press(KEYS.tab)
    await h.waitFor('message bob')
    enter(h, '/leave')
    await h.waitFor('✗ open a group first: /leave')
  })
})
