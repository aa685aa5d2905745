import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { hex, unhex } from '../../node/hex.ts'
import { epochKeys, sealGroupEnvelope, signGroupMessage, type SignedGroupMessage } from '../../node/groups/crypto.ts'
import { GroupMessage, GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { MAX_CHANNEL_BACKLOG } from '../../node/groups/channel-rules.ts'
import { connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { everyoneHas, link, texts } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrivateKey } from '@libp2p/interface'

const keyOf = (node: HyphaeMessenger): PrivateKey => (node as any).components.key
const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub
const reason = (node: HyphaeMessenger, why: string): number => node.groups.stats.reasons[why] ?? 0

describe('channels: the owner revokes an editor', { timeout: 240_000 }, () => {
  // 0: the owner; 1: an editor; 2, 3: followers (3 linked to 2 and the owner only); 4: follows late
  let network: Network
  let channel: string
  let invite: string
  let topic: string
  /** what the revoked editor signs after its revocation */
  let late: SignedGroupMessage

  before(async () => {
    network = await createNetwork(5)
    const [owner, editor, b, c] = network.nodes
    channel = (await owner.createChannel('news')).id
    invite = await owner.channelInvite(channel)
    await editor.followChannel(await owner.channelInvite(channel, { editor: editor.peerId }))
    for (const node of [b, c]) await node.followChannel(invite)
    await link(editor, b)
    await link(b, c)
    topic = await owner.groups.topic(channel)
  })

  after(async () => { await network?.stop() })

  it('after the revocation every follower refuses the editor\'s posts, and none relays them; its earlier posts stay', async () => {
    const [owner, editor, b, c] = network.nodes
    await editor.postChannel(channel, 'before the revocation')
    await everyoneHas([owner, b, c], channel, 'before the revocation')

    const revoked = await owner.revokeChannelEditor(channel, editor.peerId)
    assert.match(revoked.id, /^[0-9a-f]{32}$/)
    await assert.rejects(owner.revokeChannelEditor(channel, editor.peerId), /revoked already/)
    await assert.rejects(b.revokeChannelEditor(channel, editor.peerId), { name: 'NotChannelOwnerError' })
    // the revocation travels like a post: every follower, and the editor, holds it
    await waitFor(async () => {
      for (const node of [editor, b, c]) if ((await node.groups.store.group(channel))?.revoked?.[editor.peerId] == null) return false
      return true
    }, { timeout: 30_000, message: 'the revocation to reach every follower' })
    assert.equal((await editor.listGroups()).find(g => g.id === channel)?.editor, false)
    await assert.rejects(editor.postChannel(channel, 'still here'), { name: 'EditorRevokedError' })
    assert.match((await c.listChannelMessages(channel)).map(m => m.kind).join(' '), /revoke/)

    // every (sender, publisher) pair the others' validators see from now on
    const arrivals: Array<{ at: string, source: string, from: string }> = []
    for (const node of [owner, b, c]) {
      const validators: Map<string, any> = pubsubOf(node).topicValidators
      const validate = validators.get(topic)
      validators.set(topic, async (source: any, msg: any) => {
        arrivals.push({ at: node.peerId, source: source.toString(), from: msg.from?.toString() })
        return validate(source, msg)
      })
    }
    // the editor's node ignores its revocation (or its key was taken): it signs a post with its
    // certificate and an honest clock, and publishes it itself
    const record = (await editor.groups.store.group(channel))!
    const keys = epochKeys(unhex(channel), unhex(record.secrets['0']))
    late = await signGroupMessage({
      key: keyOf(editor), group: unhex(channel), lamport: (await editor.groups.store.clock(channel)) + 1,
      kind: GroupMessageKind.TEXT, body: 'after the revocation', editor: unhex(record.editorCert!)
    })
    const before = { owner: reason(owner, 'revoked editor'), b: reason(b, 'revoked editor') }
    await pubsubOf(editor).publish(topic, sealGroupEnvelope(keys, GroupMessage.encode(late.message)))
    await waitFor(() => reason(owner, 'revoked editor') > before.owner && reason(b, 'revoked editor') > before.b, {
      message: () => `the owner and node 2 to refuse it (${JSON.stringify(owner.groups.stats.reasons)}; ${JSON.stringify(b.groups.stats.reasons)})`
    })
    // a post after it reaches everyone through the same neighbours
    await owner.postChannel(channel, 'from the owner')
    await everyoneHas([editor, b, c], channel, 'from the owner')
    assert.deepEqual(arrivals.filter(a => a.from === editor.peerId && a.source !== editor.peerId), [], 'nobody relayed it')
    for (const node of [owner, b, c]) {
      const posts = await texts(node, channel)
      assert.ok(!posts.includes('after the revocation'), `${node.peerId} stored the revoked editor's post`)
      assert.ok(posts.includes('before the revocation'), 'the editor\'s earlier post stays')
    }
  })

  it('a late follower, served by a follower that holds the revoked post, refuses it and keeps the earlier one', async () => {
    const [owner, editor, b, , follower] = network.nodes
    assert.ok(late != null, 'the first test signed a post after the revocation')
    // node 2 took the post before the revocation reached it (forced here), and serves it
    const record = (await b.groups.store.group(channel))!
    await b.groups.store.batch([b.groups.store.groupOp({ ...record, revoked: undefined })])
    assert.equal(await (b.groups as any).ledger.receive(channel, late, { sync: true, source: editor.libp2p.peerId }), 'stored')
    await b.groups.store.batch([b.groups.store.groupOp({ ...(await b.groups.store.group(channel))!, revoked: record.revoked })])
    assert.ok((await texts(b, channel)).includes('after the revocation'))

    const posts = await texts(owner, channel)
    await owner.stop()
    await editor.stop()
    await waitFor(() => !connectedPeers(b).has(owner.peerId), { message: 'node 2 to see the owner go' })
    await follower.followChannel(invite)
    await link(follower, b)
    let got: string[] = []
    await waitFor(async () => (got = await texts(follower, channel)).length >= posts.length, {
      timeout: 30_000,
      message: () => `the late follower to get the ${posts.length} posts (${JSON.stringify(got)}, ${JSON.stringify(follower.groups.stats.reasons)})`
    })
    assert.deepEqual(got, posts, 'the owner\'s and the editor\'s earlier posts, in order; not the one after the revocation')
    assert.ok((await follower.groups.store.group(channel))?.revoked?.[editor.peerId] != null, 'it holds the revocation')
    assert.ok(!(await follower.groups.store.has(channel, hex(late.message.id))))
  })
})

describe('channels: a revocation older than the backlog still reaches a late follower', { timeout: 240_000 }, () => {
  let network: Network
  after(async () => { await network?.stop() })

  it('is served ahead of the last posts', async () => {
    network = await createNetwork(4)
    const [owner, editor, early, follower] = network.nodes
    const channel = (await owner.createChannel('news')).id
    const invite = await owner.channelInvite(channel)
    await editor.followChannel(await owner.channelInvite(channel, { editor: editor.peerId }))
    await early.followChannel(invite)
    await owner.revokeChannelEditor(channel, editor.peerId)
    // published to the followers there, so the owner's outbox holds it no more
    await waitFor(async () => (await early.groups.store.group(channel))?.revoked?.[editor.peerId] != null && (await owner.groups.store.outboxSize(channel)) === 0, { timeout: 30_000, message: 'the revocation to go out' })
    await editor.stop()
    await early.stop()
    // more posts than a follower serves, written straight to the owner's store (not published)
    const ledger = (owner.groups as any).ledger
    for (let i = 0; i <= MAX_CHANNEL_BACKLOG; i++) {
      const { ops } = await ledger.author((await owner.groups.store.group(channel))!, { kind: GroupMessageKind.TEXT, body: `post ${i}` }, false)
      await owner.groups.store.batch(ops)
    }
    await follower.followChannel(invite)
    let got = 0
    await waitFor(async () => (got = (await texts(follower, channel)).length) === MAX_CHANNEL_BACKLOG, { timeout: 60_000, message: () => `the last ${MAX_CHANNEL_BACKLOG} posts (${got})` })
    assert.ok(!(await texts(follower, channel)).includes('post 0'), 'older posts are not served')
    assert.ok((await follower.groups.store.group(channel))?.revoked?.[editor.peerId] != null, 'the revocation came with them')
  })
})
