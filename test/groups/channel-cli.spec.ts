import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { runCli } from '../cli/run-cli.ts'
import { startDaemonPair, type DaemonPair } from '../cli/daemon-pair.ts'
import { waitFor } from '../fixtures/index.ts'

describe('hyphae channel (real processes, through the daemons)', { timeout: 180_000 }, () => {
  let pair: DaemonPair
  let alice: string
  let bob: string

  before(async () => {
    pair = await startDaemonPair('hyphae-channel-cli-')
    ;({ alice, bob } = pair)
  })

  after(async () => { await pair?.stop() })

  it('create, invite, follow, post, messages, unfollow; a follower cannot post; bad invites say why', async () => {
    const created = await runCli(['channel', 'create', 'news', '--data-dir', alice])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^created news +[0-9a-f]{32} {2}channel, yours$/m)
    const invite = (await runCli(['channel', 'invite', 'news', '--data-dir', alice])).stdout.trim()
    assert.match(invite, /^hyphae:\/\/channel\/[A-Za-z0-9_-]+$/)

    const followed = await runCli(['channel', 'follow', invite, '--data-dir', bob])
    assert.equal(followed.code, 0, followed.stderr)
    assert.match(followed.stdout, /^following news +[0-9a-f]{32} {2}channel, following$/m)

    const posted = await runCli(['channel', 'post', 'news', 'first post', '--data-dir', alice])
    assert.equal(posted.code, 0, posted.stderr)
    assert.match(posted.stdout, /^[0-9a-f]{32} sent$/m)
    await waitFor(async () => (await runCli(['channel', 'messages', 'news', '--data-dir', bob])).stdout.includes('owner: first post'), { timeout: 20_000, message: 'bob to read the post' })

    const refused = await runCli(['channel', 'post', 'news', 'me too', '--data-dir', bob])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /only the owner and editors of the channel "news" can post: you follow it/)
    // the same over JSON-RPC
    const rpc = await runCli(['rpc', 'channels.post', JSON.stringify({ channel: 'news', text: 'me too' }), '--data-dir', bob])
    assert.notEqual(rpc.code, 0)
    assert.match(rpc.stderr, /only the owner and editors of the channel "news" can post/)

    const list = JSON.parse((await runCli(['channel', 'list', '--json', '--data-dir', bob])).stdout)
    assert.deepEqual(list.map((c: any) => [c.name, c.channel, c.isAdmin, c.members]), [['news', true, false, 0]])

    for (const [bad, why] of [
      ['hyphae://channel/AAAA', /invalid channel invite: (it is truncated or not a channel invite|the checksum does not match)/],
      [invite.replace('hyphae://channel/', 'hyphae://group/'), /invalid channel invite: that is a group invite \(use group join\)/],
      ['hello', /invalid channel invite: it must start with hyphae:\/\/channel\//]
    ] as const) {
      const out = await runCli(['channel', 'follow', bad, '--data-dir', bob])
      assert.notEqual(out.code, 0)
      assert.match(out.stderr, why)
    }
    const asGroup = await runCli(['group', 'join', invite, '--data-dir', bob])
    assert.match(asGroup.stderr, /that is a channel invite \(use channel follow\)/)

    const unfollowed = await runCli(['channel', 'unfollow', 'news', '--data-dir', bob])
    assert.equal(unfollowed.code, 0, unfollowed.stderr)
    assert.match(unfollowed.stdout, /^unfollowed news/m)
  })
})
