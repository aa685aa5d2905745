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

  it('channel revoke: the editor can post no more; its earlier post stays; only the owner revokes', async () => {
    const bobPeer = JSON.parse((await runCli(['id', '--json', '--data-dir', bob])).stdout).peerId
    assert.equal((await runCli(['channel', 'create', 'press', '--data-dir', alice])).code, 0)
    const invite = (await runCli(['channel', 'invite', 'press', '--editor', bobPeer, '--data-dir', alice])).stdout.trim()
    assert.match((await runCli(['channel', 'follow', invite, '--data-dir', bob])).stdout, /channel, editor/)
    assert.equal((await runCli(['channel', 'post', 'press', 'by the editor', '--data-dir', bob])).code, 0)
    await waitFor(async () => (await runCli(['channel', 'messages', 'press', '--data-dir', alice])).stdout.includes('by the editor'), { timeout: 20_000, message: 'alice to read the editor\'s post' })

    const notOwner = await runCli(['rpc', 'channels.revoke', JSON.stringify({ channel: 'press', editor: bobPeer }), '--data-dir', bob])
    assert.notEqual(notOwner.code, 0)
    assert.match(notOwner.stderr, /only the owner of the channel "press" can revoke editors/)
    const revoked = await runCli(['channel', 'revoke', 'press', bobPeer, '--data-dir', alice])
    assert.equal(revoked.code, 0, revoked.stderr)
    assert.match(revoked.stdout, new RegExp(`^[0-9a-f]{32} revoked ${bobPeer}: followers refuse its posts from now on`, 'm'))
    const again = await runCli(['rpc', 'channels.revoke', JSON.stringify({ channel: 'press', editor: bobPeer }), '--data-dir', alice])
    assert.match(again.stderr, /revoked already/)

    await waitFor(async () => (await runCli(['channel', 'messages', 'press', '--data-dir', bob])).stdout.includes('owner revoked editor'), { timeout: 20_000, message: 'bob to get the revocation' })
    const refused = await runCli(['channel', 'post', 'press', 'still an editor?', '--data-dir', bob])
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /the owner of the channel "press" revoked you as an editor/)
    assert.match((await runCli(['channel', 'list', '--data-dir', bob])).stdout, /press .* channel, following/)
    assert.match((await runCli(['channel', 'messages', 'press', '--data-dir', alice])).stdout, /editor \S+: by the editor/)
  })
})
