import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { concat } from 'uint8arrays/concat'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hex, unhex } from '../../node/hex.ts'
import { groupIdOf } from '../../node/groups/crypto.ts'
import { signEditorCert } from '../../node/groups/channel-rules.ts'
import { CHANNEL_INVITE_PREFIX, createGroupInvite, GROUP_INVITE_PREFIX, parseChannelInvite, parseGroupInvite } from '../../node/groups/invite.ts'
import { GroupInvite } from '../../protocols/group/pb/group.ts'

const ownerKey = await generateKeyPair('Ed25519')
const OWNER = peerIdFromPrivateKey(ownerKey).toString()
const editorKey = await generateKeyPair('Ed25519')
const EDITOR = peerIdFromPrivateKey(editorKey).toString()
const NONCE = '00112233445566778899aabbccddeeff'
const ID = hex(groupIdOf(ownerKey.publicKey, unhex(NONCE)))
const good = {
  id: ID, nonce: NONCE, name: 'news', epoch: 0, secret: new Uint8Array(32).fill(7), admin: OWNER,
  members: [{ peerId: OWNER, addrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] }], channel: true
}

/** Re-encodes an invite after `change` with a matching checksum, under `prefix`. */
function remade (change: (pb: GroupInvite) => void, prefix = CHANNEL_INVITE_PREFIX): string {
  const pb = GroupInvite.decode(base64url.baseDecode(createGroupInvite(good, ownerKey).slice(CHANNEL_INVITE_PREFIX.length)))
  change(pb)
  pb.checksum = new Uint8Array(0)
  pb.checksum = sha256(concat([new TextEncoder().encode('hyphae-group-invite/1'), GroupInvite.encode(pb)])).subarray(0, 8) as Uint8Array<ArrayBuffer>
  return prefix + base64url.baseEncode(GroupInvite.encode(pb))
}

const bad = (reason: RegExp): { name: string, message: RegExp } => ({ name: 'InvalidChannelInviteError', message: reason })

describe('channel invites', () => {
  it('round-trip, with and without an editor certificate', () => {
    const invite = createGroupInvite(good, ownerKey)
    assert.ok(invite.startsWith(CHANNEL_INVITE_PREFIX))
    const parsed = parseChannelInvite(invite)
    assert.equal(parsed.channel, true)
    assert.equal(parsed.id, ID)
    assert.equal(parsed.editor, undefined)
    const cert = signEditorCert(ownerKey, unhex(ID), editorKey.publicKey)
    const withEditor = parseChannelInvite(createGroupInvite({ ...good, editor: { peerId: EDITOR, cert } }, ownerKey))
    assert.equal(withEditor.editor?.peerId, EDITOR)
  })

  it('cannot be turned into a group invite, nor a group invite into a channel\'s', () => {
    const invite = createGroupInvite(good, ownerKey)
    assert.throws(() => parseGroupInvite(invite), { name: 'InvalidGroupInviteError', message: /that is a channel invite \(use channel follow\)/ })
    assert.throws(() => parseGroupInvite(invite.replace(CHANNEL_INVITE_PREFIX, GROUP_INVITE_PREFIX)), { name: 'InvalidGroupInviteError', message: /it was made for a channel, not a group/ })
    // the kind flag flipped: the owner's signature no longer holds
    assert.throws(() => parseGroupInvite(remade(pb => { pb.channel = false }, GROUP_INVITE_PREFIX)), { name: 'InvalidGroupInviteError', message: /not signed by the group's admin/ })
    const group = createGroupInvite({ ...good, channel: false }, ownerKey)
    assert.throws(() => parseChannelInvite(group), bad(/that is a group invite \(use group join\)/))
  })

  it('an editor certificate must be the owner\'s, for that editor and that channel', async () => {
    const stranger = await generateKeyPair('Ed25519')
    const byStranger = signEditorCert(stranger, unhex(ID), editorKey.publicKey)
    assert.throws(() => parseChannelInvite(createGroupInvite({ ...good, editor: { peerId: EDITOR, cert: byStranger } }, ownerKey)), bad(/its editor certificate is not the owner's/))
    const forOther = signEditorCert(ownerKey, unhex(ID), stranger.publicKey)
    assert.throws(() => parseChannelInvite(createGroupInvite({ ...good, editor: { peerId: EDITOR, cert: forOther } }, ownerKey)), bad(/its editor certificate is not the owner's/))
    const otherChannel = signEditorCert(ownerKey, new Uint8Array(16), editorKey.publicKey)
    assert.throws(() => parseChannelInvite(createGroupInvite({ ...good, editor: { peerId: EDITOR, cert: otherChannel } }, ownerKey)), bad(/its editor certificate is not the owner's/))
    // an editor added by someone else than the owner: the invite's signature fails first
    assert.throws(() => parseChannelInvite(remade(pb => { pb.editor = EDITOR; pb.editorCert = byStranger })), bad(/not signed by the channel's owner/))
  })

  it('what is not a channel invite says what it is', () => {
    assert.throws(() => parseChannelInvite('hello'), bad(/it must start with hyphae:\/\/channel\//))
    assert.throws(() => parseChannelInvite('hyphae://invite/abc'), bad(/that is a contact invite \(use contacts add\), not a channel invite/))
    assert.throws(() => parseChannelInvite(CHANNEL_INVITE_PREFIX + '!!!'), bad(/it is truncated or not a channel invite/))
    const invite = createGroupInvite(good, ownerKey)
    assert.throws(() => parseChannelInvite(invite.slice(0, -6)), bad(/checksum does not match|truncated/))
    assert.throws(() => parseChannelInvite(remade(pb => { pb.secret = new Uint8Array(32) })), bad(/the channel secret is all zeros/))
  })
})
