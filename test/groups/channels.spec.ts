import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { hex, unhex } from '../../node/hex.ts'
import { epochKeys, randomBytes, sealGroupEnvelope, signGroupMessage } from '../../node/groups/crypto.ts'
import { GroupMessage, GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { everyoneHas, link, texts } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrivateKey } from '@libp2p/interface'

const keyOf = (node: HyphaeMessenger): PrivateKey => (node as any).components.key
const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub
const inMesh = (node: HyphaeMessenger, topic: string, peer: HyphaeMessenger): boolean => pubsubOf(node).getMeshPeers(topic).includes(peer.peerId)
const seen = (node: HyphaeMessenger): number => node.groups.stats.accepted + node.groups.stats.ignored + node.groups.stats.rejected

describe('channels: one author, many readers', { timeout: 240_000 }, () => {
  // 0: the owner; 1, 2: followers; 3: a follower gone hostile, linked to 2 only; 4: follows late
  let network: Network
  let channel: string
  let invite: string
  let topic: string

  before(async () => {
    network = await createNetwork(5)
    const [owner, b, c, hostile] = network.nodes
    channel = (await owner.createChannel('news')).id
    invite = await owner.channelInvite(channel)
    // each follow dials the owner, the only peer its invite names
    for (const node of [b, c, hostile]) await node.followChannel(invite)
    await link(b, c)
    await link(c, hostile)
    topic = await owner.groups.topic(channel)
    await waitFor(() => inMesh(c, topic, hostile) && inMesh(c, topic, b) && inMesh(owner, topic, b), {
      timeout: 20_000,
      message: () => `the followers to prove themselves into each other's meshes (${[inMesh(c, topic, hostile), inMesh(c, topic, b), inMesh(owner, topic, b)].join(', ')}; suspects at 2: ${[b, hostile].map(n => c.groups['topics'].gate.suspects(topic, n.peerId)).join(', ')}; ${JSON.stringify(c.groups.stats.reasons)})`
    })
  })

  after(async () => { await network?.stop() })

  it('the owner posts, every follower reads, and nobody is listed', async () => {
    const [owner, b, c, hostile] = network.nodes
    const sent = await owner.postChannel(channel, 'first post')
    assert.ok(['queued', 'sent'].includes(sent.status))
    await everyoneHas([b, c, hostile], channel, 'first post')
    const page = await b.listChannelMessages(channel)
    assert.deepEqual(page.map(m => [m.kind, m.author, m.body]), [['text', owner.peerId, 'first post']], 'a channel holds posts only: no joins')
    for (const node of network.nodes.slice(0, 4)) {
      const info = (await node.listGroups()).find(g => g.id === channel)
      assert.equal(info?.channel, true)
      assert.equal(info?.members, 0, 'no follower counted')
      assert.deepEqual(await node.groupMembers(channel), [], 'no follower listed')
    }
    assert.equal((await owner.listGroups()).find(g => g.id === channel)?.isAdmin, true)
    // the invite names the owner alone
    assert.doesNotMatch(invite, new RegExp(b.peerId))
  })

  it('a follower cannot post: refused locally, and what a hostile follower publishes is refused by all and relayed by none', async () => {
    const [owner, b, c, hostile] = network.nodes
    await assert.rejects(b.postChannel(channel, 'me too'), { name: 'NotChannelOwnerError' })
    await assert.rejects(b.sendGroupMessage(channel, 'me too'), { name: 'NotChannelOwnerError' })
    await assert.rejects(owner.channelInvite('nope'), { name: 'UnknownGroupError' })
    // every (sender, publisher) pair the honest nodes' validators see from now on
    const arrivals: Array<{ at: string, source: string, from: string }> = []
    for (const node of [owner, b, c]) {
      const validators: Map<string, any> = pubsubOf(node).topicValidators
      const validate = validators.get(topic)
      validators.set(topic, async (source: any, msg: any) => {
        arrivals.push({ at: node.peerId, source: source.toString(), from: msg.from?.toString() })
        return validate(source, msg)
      })
    }

    const groupId = unhex(channel)
    const keys = epochKeys(groupId, unhex((await hostile.groups.store.group(channel))!.secrets['0']))
    const ids: string[] = []
    const sign = async (kind: GroupMessageKind, body: string, editor?: Uint8Array): Promise<GroupMessage> => {
      const signed = await signGroupMessage({ key: keyOf(hostile), group: groupId, lamport: 100, kind, body, editor })
      ids.push(hex(signed.message.id))
      return signed.message
    }
    // signed by a stranger, then relabelled as the owner's
    const stranger = await generateKeyPair('Ed25519')
    const relabelled = (await signGroupMessage({ key: stranger, group: groupId, lamport: 100, kind: GroupMessageKind.TEXT, body: 'I am the owner' })).message
    relabelled.author = publicKeyToProtobuf(owner.libp2p.peerId.publicKey!) as Uint8Array<ArrayBuffer>
    ids.push(hex(relabelled.id))
    const forgeries: Array<[string, GroupMessage]> = [
      ['not the channel\'s owner or editor', await sign(GroupMessageKind.TEXT, 'my own post')],
      ['bad editor certificate', await sign(GroupMessageKind.TEXT, 'my certified post', randomBytes(64))],
      ['not a post', await sign(GroupMessageKind.JOIN, 'hostile')],
      ['bad signature', relabelled]
    ]
    const before = { owner: owner.groups.stats.rejected, c: c.groups.stats.rejected }
    await Promise.all(forgeries.map(async ([, m]) => pubsubOf(hostile).publish(topic, sealGroupEnvelope(keys, GroupMessage.encode(m)))))
    await waitFor(() => owner.groups.stats.rejected - before.owner >= forgeries.length && c.groups.stats.rejected - before.c >= forgeries.length, {
      message: () => `the owner and node 2 to reject all ${forgeries.length} (${owner.groups.stats.rejected - before.owner}, ${c.groups.stats.rejected - before.c})`
    })
    for (const [reason] of forgeries) assert.ok((c.groups.stats.reasons[reason] ?? 0) >= 1, `node 2 rejected one as "${reason}"`)

    // a real post after them reaches everyone through the same neighbours
    await owner.postChannel(channel, 'after the forgeries')
    await everyoneHas([b, c], channel, 'after the forgeries')
    const relayed = arrivals.filter(a => a.from === hostile.peerId && a.source !== hostile.peerId)
    assert.deepEqual(relayed, [], 'no honest node relayed any of them')
    assert.ok(arrivals.filter(a => a.from === hostile.peerId).length >= forgeries.length, 'they did arrive from the hostile follower itself')
    for (const node of [owner, b, c]) {
      const stored = await node.listChannelMessages(channel, { limit: 1000 })
      assert.deepEqual(stored.filter(m => ids.includes(m.id) || m.author !== owner.peerId), [], 'nothing but the owner\'s posts stored')
    }
    await waitFor(() => [owner, c].every(n => pubsubOf(n).getScore(hostile.peerId) < 0 && !inMesh(n, topic, hostile)), {
      message: 'the hostile follower to be scored down and pruned'
    })
  })

  it('an invite cannot be turned into posting rights; an editor invite can only be used by its editor', async () => {
    const [owner, b, c] = network.nodes
    // the kind is signed: the same invite relabelled as a group's is refused
    const relabelled = invite.replace('hyphae://channel/', 'hyphae://group/')
    await assert.rejects(b.joinGroup(relabelled), { name: 'InvalidGroupInviteError', message: /it was made for a channel, not a group/ })
    await assert.rejects(b.joinGroup(invite), { name: 'InvalidGroupInviteError', message: /that is a channel invite \(use channel follow\)/ })

    const editorInvite = await owner.channelInvite(channel, { editor: c.peerId })
    await assert.rejects(b.followChannel(editorInvite), { name: 'InvalidChannelInviteError', message: new RegExp(`makes ${c.peerId} an editor, not you`) })
    await assert.rejects(b.channelInvite(channel), { name: 'NotChannelOwnerError' })
    await c.followChannel(editorInvite)
    assert.equal((await c.listGroups()).find(g => g.id === channel)?.editor, true)

    // node 1 copies node 2's certificate into its own record: it names node 2's key, not node 1's
    const record = (await b.groups.store.group(channel))!
    const stolen = (await c.groups.store.group(channel))!.editorCert
    await b.groups.store.batch([b.groups.store.groupOp({ ...record, editorCert: stolen })])
    const rejectedBefore = owner.groups.stats.rejected
    const badCertsBefore = owner.groups.stats.reasons['bad editor certificate'] ?? 0
    await b.postChannel(channel, 'with a stolen certificate')
    await waitFor(() => owner.groups.stats.rejected > rejectedBefore, { message: 'the owner to reject the post with a stolen certificate' })
    assert.equal(owner.groups.stats.reasons['bad editor certificate'], badCertsBefore + 1)

    // the editor itself posts, and every follower takes it
    await c.postChannel(channel, 'from the editor')
    await everyoneHas([owner, b], channel, 'from the editor')
    assert.ok(!(await texts(owner, channel)).includes('with a stolen certificate'))
    await b.groups.store.batch([b.groups.store.groupOp(record)])
  })

  it('a late follower gets the history from a follower while the owner is offline', async () => {
    const [owner, b, , , late] = network.nodes
    // node 1 also holds the post it made with a stolen certificate, which it serves too
    const posts = await texts(owner, channel)
    assert.ok(posts.length >= 3)
    assert.ok((await texts(b, channel)).includes('with a stolen certificate'))
    await owner.stop()
    await waitFor(() => !connectedPeers(b).has(owner.peerId), { message: 'node 1 to see the owner go' })
    await late.followChannel(invite)
    await link(late, b)
    let got: string[] = []
    await waitFor(async () => (got = await texts(late, channel)).length === posts.length, {
      timeout: 30_000,
      message: () => `the late follower to get the ${posts.length} posts (${JSON.stringify(got)} of ${JSON.stringify(posts)}, ${JSON.stringify(late.groups.stats.reasons)})`
    })
    assert.deepEqual(got, posts, 'all of them, in order, signatures checked, the stolen-certificate one dropped')
    assert.equal(late.groups.stats.accepted, 0, 'none arrived live')
    // and it still cannot post, nor learn who else reads
    await assert.rejects(late.postChannel(channel, 'hello?'), { name: 'NotChannelOwnerError' })
    assert.deepEqual(await late.groupMembers(channel), [])
  })

  it('unfollowing publishes nothing and stops reading', async () => {
    const [, b, c] = network.nodes
    const seenBefore = seen(c)
    const info = await b.unfollowChannel(channel)
    assert.equal(info.state, 'left')
    assert.ok(!pubsubOf(b).getTopics().includes(topic))
    await assert.rejects(b.postChannel(channel, 'x'), { name: 'GroupNotActiveError' })
    assert.equal(seen(c), seenBefore, 'nothing published on the topic')
    // following again with the same invite reads again
    await b.followChannel(invite)
    assert.equal((await b.listGroups()).find(g => g.id === channel)?.state, 'active')
  })
})
