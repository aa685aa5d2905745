import assert from 'node:assert/strict'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from '../cli/run-cli.ts'
import { startDaemonPair, type DaemonPair } from '../cli/daemon-pair.ts'
import { waitFor } from '../fixtures/index.ts'

describe('hyphae group (real processes, through the daemons)', { timeout: 180_000 }, () => {
  let pair: DaemonPair
  let alice: string
  let bob: string

  before(async () => {
    pair = await startDaemonPair('hyphae-group-cli-')
    ;({ alice, bob } = pair)
  })

  after(async () => { await pair?.stop() })

  it('create, invite, join, send, messages, members; group.message notifications on the socket', async () => {
    const created = await runCli(['group', 'create', 'friends', '--data-dir', alice])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^created friends +[0-9a-f]{32} {2}1 member, epoch 0, admin/)
    const invite = await runCli(['group', 'invite', 'friends', '--data-dir', alice])
    assert.equal(invite.code, 0, invite.stderr)
    assert.match(invite.stdout.trim(), /^hyphae:\/\/group\/[A-Za-z0-9_-]+$/)

    // alice's client subscribes to notifications on her daemon's socket
    const notifications: any[] = []
    const socket = createConnection(join(alice, 'hyphae.sock'))
    let buffer = ''
    socket.on('data', chunk => {
      buffer += chunk.toString()
      let nl
      while ((nl = buffer.indexOf('\n')) !== -1) {
        notifications.push(JSON.parse(buffer.slice(0, nl)))
        buffer = buffer.slice(nl + 1)
      }
    })
    socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe' }) + '\n')
    await waitFor(() => notifications.some(n => n.id === 1), { message: 'the subscribe answer' })
    assert.ok(notifications.find(n => n.id === 1).result.subscribed.includes('group.message'))

    try {
      const joined = await runCli(['group', 'join', invite.stdout.trim(), '--data-dir', bob])
      assert.equal(joined.code, 0, joined.stderr)
      assert.match(joined.stdout, /^joined friends +[0-9a-f]{32} {2}2 members, epoch 0$/m)

      const sent = await runCli(['group', 'send', 'friends', 'hello from bob', '--data-dir', bob])
      assert.equal(sent.code, 0, sent.stderr)
      assert.match(sent.stdout, /^[0-9a-f]{32} sent$/m)
      await waitFor(() => notifications.some(n => n.method === 'group.message' && n.params.body === 'hello from bob'), { timeout: 20_000, message: 'a group.message notification on alice\'s socket' })

      const messages = await runCli(['group', 'messages', 'friends', '--data-dir', alice])
      assert.equal(messages.code, 0, messages.stderr)
      assert.match(messages.stdout, /\* bob joined/)
      assert.match(messages.stdout, /bob: hello from bob/)
      const members = JSON.parse((await runCli(['group', 'members', 'friends', '--json', '--data-dir', bob])).stdout)
      assert.deepEqual(members.map((m: any) => [m.nickname, m.state, m.admin]).sort(), [['alice', 'member', true], ['bob', 'member', false]])
    } finally {
      socket.destroy()
    }
  })

  it('refuses clearly: a bad invite, a non-admin removal, an unknown group, an unknown verb', async () => {
    const badInvite = await runCli(['group', 'join', 'hyphae://group/AAAA', '--data-dir', bob])
    assert.equal(badInvite.code, 1)
    assert.match(badInvite.stderr, /^hyphae: invalid group invite: (it is truncated or not a group invite|the checksum does not match)/)
    assert.equal(badInvite.stderr.trim().split('\n').length, 1, 'one line')

    const alicePeer = JSON.parse((await runCli(['id', '--json', '--data-dir', alice])).stdout).peerId
    const notAdmin = await runCli(['group', 'remove', 'friends', alicePeer, '--data-dir', bob])
    assert.equal(notAdmin.code, 1)
    assert.match(notAdmin.stderr, /^hyphae: only the admin of the group "friends" can remove members$/m)

    const unknown = await runCli(['group', 'send', 'enemies', 'hi', '--data-dir', bob])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /^hyphae: no group "enemies" \(see group list\)$/m)

    const verb = await runCli(['group', 'frobnicate', '--data-dir', bob])
    assert.equal(verb.code, 2)
    assert.match(verb.stderr, /group: unknown action "frobnicate"/)
  })
})
