import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { concat } from 'uint8arrays/concat'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hex } from '../../node/hex.ts'
import { groupIdOf } from '../../node/groups/crypto.ts'
import { createGroupInvite, GROUP_INVITE_PREFIX, inviteOrder, parseGroupInvite } from '../../node/groups/invite.ts'
import { GroupInvite } from '../../protocols/group/pb/group.ts'
import { createNetwork, type Network } from '../fixtures/index.ts'

const adminKey = await generateKeyPair('Ed25519')
const ADMIN = peerIdFromPrivateKey(adminKey).toString()
const NONCE = '00112233445566778899aabbccddeeff'
const good = {
  id: hex(groupIdOf(adminKey.publicKey, Buffer.from(NONCE, 'hex'))),
  nonce: NONCE,
  name: 'friends',
  epoch: 2,
  secret: new Uint8Array(32).fill(9),
  admin: ADMIN,
  members: [{ peerId: ADMIN, addrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] }]
}

/** Re-encodes an invite after `change`, with a checksum that matches (as a careless or hostile tool would make it). */
function remade (change: (pb: GroupInvite) => void): string {
  const pb = GroupInvite.decode(base64url.baseDecode(createGroupInvite(good, adminKey).slice(GROUP_INVITE_PREFIX.length)))
  change(pb)
  pb.checksum = new Uint8Array(0)
  pb.checksum = sha256(concat([new TextEncoder().encode('hyphae-group-invite/1'), GroupInvite.encode(pb)])).subarray(0, 8) as Uint8Array<ArrayBuffer>
  return GROUP_INVITE_PREFIX + base64url.baseEncode(GroupInvite.encode(pb))
}

const bad = (reason: RegExp): { name: string, message: RegExp } => ({ name: 'InvalidGroupInviteError', message: reason })

describe('group invites', () => {
  it('round-trips id, name, epoch, secret, admin, nonce and member addresses', () => {
    const parsed = parseGroupInvite(createGroupInvite(good, adminKey))
    assert.deepEqual({ ...parsed, secret: [...parsed.secret], members: parsed.members.map(m => ({ peerId: m.peerId, addrs: m.addrs.map(String) })) },
      { ...good, secret: [...good.secret], members: [{ peerId: ADMIN, addrs: ['/ip4/127.0.0.1/tcp/4001'] }] })
  })

  it('a mistyped, truncated or altered invite fails its checksum', () => {
    const text = createGroupInvite(good, adminKey)
    const body = text.slice(GROUP_INVITE_PREFIX.length)
    const i = Math.floor(body.length / 2)
    const mistyped = GROUP_INVITE_PREFIX + body.slice(0, i) + (body[i] === 'A' ? 'B' : 'A') + body.slice(i + 1)
    assert.throws(() => parseGroupInvite(mistyped), bad(/checksum does not match|truncated/))
    assert.throws(() => parseGroupInvite(text.slice(0, -6)), bad(/checksum does not match|truncated/))
    // a valid protobuf with another name but the old checksum
    const pb = GroupInvite.decode(base64url.baseDecode(body))
    pb.name = 'strangers'
    assert.throws(() => parseGroupInvite(GROUP_INVITE_PREFIX + base64url.baseEncode(GroupInvite.encode(pb))), bad(/^invalid group invite: the checksum does not match \(mistyped, truncated or altered\)$/))
  })

  it('a bad secret, id, admin or address is named even when the checksum matches', () => {
    assert.throws(() => parseGroupInvite(remade(pb => { pb.secret = pb.secret.subarray(0, 31) })), bad(/the group secret must be 32 bytes, not 31/))
    assert.throws(() => parseGroupInvite(remade(pb => { pb.secret = new Uint8Array(32) })), bad(/the group secret is all zeros/))
    assert.throws(() => parseGroupInvite(remade(pb => { pb.group = new Uint8Array(3) })), bad(/the group id must be 16 bytes/))
    assert.throws(() => parseGroupInvite(remade(pb => { pb.admin = 'not-a-peer' })), bad(/the admin is not a valid peer id/))
    assert.throws(() => parseGroupInvite(remade(pb => { pb.members[0].addrs = [new Uint8Array([0xff, 0xff, 0xff])] })), bad(/a member address is not a valid multiaddr/))
    assert.throws(() => parseGroupInvite(remade(pb => { pb.name = ' ' })), bad(/the group name must be 1 to 64 characters/))
  })

  it('a member cannot name itself admin, nor mint an invite for the real admin\'s group', async () => {
    const memberKey = await generateKeyPair('Ed25519')
    const member = peerIdFromPrivateKey(memberKey).toString()
    // the same group id, the member as admin, signed by the member: the id is not theirs
    assert.throws(() => parseGroupInvite(createGroupInvite({ ...good, admin: member }, memberKey)), bad(/the group id does not belong to the admin it names/))
    // the real admin named, signed by the member (any member holds the secret)
    assert.throws(() => parseGroupInvite(createGroupInvite(good, memberKey)), bad(/it is not signed by the group's admin/))
    // an invite the admin signed, with another epoch secret put in (and the checksum fixed up)
    assert.throws(() => parseGroupInvite(remade(pb => { pb.secret = new Uint8Array(32).fill(7) })), bad(/it is not signed by the group's admin/))
    assert.throws(() => parseGroupInvite(remade(pb => { pb.nonce = new Uint8Array(16) })), bad(/the group id does not belong to the admin it names/))
    // the member's own group, with the member as its admin, is fine: it is another group
    const own = { ...good, admin: member, id: hex(groupIdOf(memberKey.publicKey, Buffer.from(NONCE, 'hex'))) }
    assert.notEqual(own.id, good.id)
    assert.equal(parseGroupInvite(createGroupInvite(own, memberKey)).admin, member)
  })

  it('what is not a group invite says so', () => {
    assert.throws(() => parseGroupInvite('hyphae://invite/abc'), bad(/that is a contact invite/))
    assert.throws(() => parseGroupInvite('hello'), bad(/it must start with hyphae:\/\/group\//))
    assert.throws(() => parseGroupInvite(GROUP_INVITE_PREFIX), bad(/wrong length/))
    assert.throws(() => parseGroupInvite(GROUP_INVITE_PREFIX + '!!!'), bad(/it is truncated or not a group invite/))
  })

  it('offers members online first, in a random order, so joiners do not all dial the same few', () => {
    const online = Array.from({ length: 12 }, (_, i) => `on${i}`)
    const offline = ['off0', 'off1', 'off2']
    const isOnline = (m: string): boolean => m.startsWith('on')
    const firstThree = new Set<string>()
    for (let round = 0; round < 50 && firstThree.size < 2; round++) {
      const order = inviteOrder([...offline, ...online], isOnline)
      assert.deepEqual([...order].sort(), [...offline, ...online].sort(), 'every member once')
      assert.ok(order.slice(0, online.length).every(isOnline), `online members first: ${order.join(' ')}`)
      firstThree.add(order.slice(0, 3).join(' '))
    }
    // 50 rounds agreeing by chance on 3 of 12 would happen about once in 10^140 runs
    assert.ok(firstThree.size >= 2, 'two invites list different members')
  })

  describe('joining with a bad invite', () => {
    let network: Network
    before(async () => { network = await createNetwork(1) })
    after(async () => { await network?.stop() })

    it('is refused with the reason and changes nothing', async () => {
      const [node] = network.nodes
      await assert.rejects(node.joinGroup(remade(pb => { pb.secret = pb.secret.subarray(0, 16) })), bad(/the group secret must be 32 bytes, not 16/))
      await assert.rejects(node.joinGroup(createGroupInvite(good, adminKey).slice(0, -4)), bad(/checksum|truncated/))
      assert.deepEqual(await node.listGroups(), [])
      assert.deepEqual(node.libp2p.services.pubsub.getTopics(), [])
    })
  })
})
