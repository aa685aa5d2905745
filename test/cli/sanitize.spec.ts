import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../fixtures/index.ts'
import { runCli, startCli, waitForLine } from './run-cli.ts'

const NODE_FLAGS = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']
/** retitles the window, clears the screen, rings the bell, C1 CSI, a bidi override */
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eevil'
/** what a terminal must never receive from a peer's text */
// eslint-disable-next-line no-control-regex
const RAW = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/

function assertClean (output: string, what: string): void {
  const match = RAW.exec(output)
  assert.equal(match, null, `${what} printed ${JSON.stringify(match?.[0])} raw: ${JSON.stringify(output)}`)
}

describe('the command line shows remote text, never obeys it (real daemons)', { timeout: 180_000 }, () => {
  let root: string
  let alice: string
  let bob: string
  let bobPeer: string
  const daemons: Array<ReturnType<typeof startCli>> = []

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-sanitize-'))
    alice = join(root, 'alice')
    bob = join(root, 'bob')
    assert.equal((await runCli(['init', '--name', 'alice', '--no-passphrase', '--data-dir', alice])).code, 0)
    // bob's nickname travels in his invite
    assert.equal((await runCli(['init', '--name', `bob${HOSTILE}`, '--no-passphrase', '--data-dir', bob])).code, 0)
    const a = startCli(['daemon', '--data-dir', alice, ...NODE_FLAGS])
    daemons.push(a)
    const started = JSON.parse(await waitForLine(a, /"event":"started"/))
    const b = startCli(['daemon', '--data-dir', bob, ...NODE_FLAGS, '--bootstrap', started.addresses[0]])
    daemons.push(b)
    bobPeer = JSON.parse(await waitForLine(b, /"event":"started"/)).peerId
  })

  after(async () => {
    await Promise.all(daemons.map(async d => d.stop()))
    await rm(root, { recursive: true, force: true })
  })

  it('messages, requests, contacts and rpc output carry no escape sequence from a peer', async () => {
    const aliceInvite = (await runCli(['invite', '--no-qr', '--data-dir', alice])).stdout.split('\n').find(l => l.startsWith('hyphae://')) ?? ''
    assert.equal((await runCli(['contacts', 'add', aliceInvite, '--name', 'alice', '--data-dir', bob])).code, 0)
    const sent = await runCli(['send', 'alice', `hi${HOSTILE}\n2026-01-01 00:00:00  alice: a forged line`, '--data-dir', bob])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout, /delivered|sent/)

    const requests = await waitFor(async () => {
      const r = await runCli(['requests', '--data-dir', alice])
      return r.stdout.includes(bobPeer) ? r : undefined
    }, { timeout: 30_000, message: 'bob\'s message request at alice' })
    assertClean(requests.stdout, 'requests')

    const messages = await runCli(['messages', bobPeer, '--data-dir', alice])
    assert.equal(messages.code, 0, messages.stderr)
    assertClean(messages.stdout, 'messages')
    assert.match(messages.stdout, /: hi�/, 'the text is shown, its controls as visible marks')
    assert.equal(messages.stdout.split('\n').filter(l => /^\d{4}-/.test(l)).length, 1, 'a second line of a message cannot pass for another message')

    const json = await runCli(['messages', bobPeer, '--json', '--data-dir', alice])
    assertClean(json.stdout, 'messages --json')
    assert.equal(JSON.parse(json.stdout)[0].body.includes('\u009b31m'), true, 'JSON keeps the text exact, escaped')

    const rpc = await runCli(['rpc', 'messages.list', JSON.stringify({ contact: bobPeer }), '--data-dir', alice])
    assertClean(rpc.stdout, 'rpc')

    const bobInvite = (await runCli(['invite', '--no-qr', '--data-dir', bob])).stdout.split('\n').find(l => l.startsWith('hyphae://')) ?? ''
    assert.equal((await runCli(['contacts', 'remove', bobPeer, '--data-dir', alice])).code, 0)
    const added = await runCli(['contacts', 'add', bobInvite, '--data-dir', alice])
    assert.equal(added.code, 0, added.stderr)
    assertClean(added.stdout, 'contacts add')
    const contacts = await runCli(['contacts', 'list', '--data-dir', alice])
    assertClean(contacts.stdout, 'contacts list')
    assert.match(contacts.stdout, /^bob�/m)
  })

  it('group names and group messages carry none either', async () => {
    const created = await runCli(['group', 'create', `club${HOSTILE}`, '--data-dir', bob])
    assert.equal(created.code, 0, created.stderr)
    assertClean(created.stdout, 'group create')
    const id = /[0-9a-f]{32}/.exec(created.stdout)?.[0] ?? ''
    const invite = (await runCli(['group', 'invite', id, '--data-dir', bob])).stdout.trim()
    const joined = await runCli(['group', 'join', invite, '--data-dir', alice, '--wait', '30'])
    assert.equal(joined.code, 0, joined.stderr)
    assertClean(joined.stdout, 'group join')
    assert.equal((await runCli(['group', 'send', id, `hey${HOSTILE}`, '--data-dir', bob, '--wait', '30'])).code, 0)

    const messages = await waitFor(async () => {
      const r = await runCli(['group', 'messages', id, '--data-dir', alice])
      return r.stdout.includes('hey') ? r : undefined
    }, { timeout: 30_000, message: 'bob\'s group message at alice' })
    assertClean(messages.stdout, 'group messages')
    for (const verb of ['list', 'members']) {
      const out = await runCli(['group', verb, ...(verb === 'members' ? [id] : []), '--data-dir', alice])
      assertClean(out.stdout, `group ${verb}`)
      assertClean((await runCli(['group', verb, ...(verb === 'members' ? [id] : []), '--json', '--data-dir', alice])).stdout, `group ${verb} --json`)
    }
  })
})
