import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { base64url } from 'multiformats/bases/base64'
import { InvalidInviteError } from '../../node/errors.ts'
import { createInvite, INVITE_PREFIX, parseInvite } from '../../node/invite.ts'
import { createNetwork, type Network } from '../fixtures/index.ts'
import type { PrivateKey } from '@libp2p/interface'

const ADDRS = ['/ip4/192.168.1.20/tcp/4001', '/ip4/192.168.1.20/tcp/4002/ws', '/dns4/example.org/tcp/443/wss']

async function assertInvalid (text: string, reason: RegExp): Promise<void> {
  await assert.rejects(parseInvite(text), (err: Error) => {
    assert.ok(err instanceof InvalidInviteError, `expected InvalidInviteError, got ${err.name}: ${err.message}`)
    assert.match(err.message, /^invalid invite: /)
    assert.match(err.message, reason)
    return true
  }, `parseInvite(${JSON.stringify(text.slice(0, 60))}...)`)
}

describe('invites', () => {
  let key: PrivateKey
  let invite: string
  let body: Uint8Array

  before(async () => {
    key = await generateKeyPair('Ed25519')
    invite = await createInvite(key, 'alice', ADDRS.map(a => multiaddr(a)))
    body = base64url.baseDecode(invite.slice(INVITE_PREFIX.length))
  })

  it('round-trips peer id, nickname, addresses and creation time', async () => {
    assert.ok(invite.startsWith(INVITE_PREFIX))
    const parsed = await parseInvite(invite)
    assert.equal(parsed.peerId.toString(), peerIdFromPrivateKey(key).toString())
    assert.equal(parsed.nickname, 'alice')
    assert.deepEqual(parsed.addrs.map(String), ADDRS)
    assert.ok(Math.abs(parsed.createdAt.getTime() - Date.now()) < 60_000)
  })

  it('tolerates the spaces and newline a paste brings', async () => {
    const parsed = await parseInvite(`  ${invite}\n`)
    assert.equal(parsed.nickname, 'alice')
  })

  it('an invite with no addresses and an empty nickname still round-trips', async () => {
    const parsed = await parseInvite(await createInvite(key, '', []))
    assert.equal(parsed.peerId.toString(), peerIdFromPrivateKey(key).toString())
    assert.equal(parsed.nickname, '')
    assert.deepEqual(parsed.addrs, [])
  })

  it('rejects every single flipped byte of the body', async () => {
    // exhaustive: any byte of key, nickname, address, time or signature
    for (let i = 0; i < body.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const tampered = Uint8Array.from(body)
        tampered[i] ^= mask
        await assertInvalid(INVITE_PREFIX + base64url.baseEncode(tampered), /truncated|not an invite|public key|signature|address|altered/)
      }
    }
  })

  it('rejects a changed character of the pasted text', async () => {
    const i = INVITE_PREFIX.length + Math.floor((invite.length - INVITE_PREFIX.length) / 2)
    const swapped = invite.slice(0, i) + (invite[i] === 'A' ? 'B' : 'A') + invite.slice(i + 1)
    await assertInvalid(swapped, /signature|truncated|public key|address|altered/)
  })

  it('rejects every truncation', async () => {
    const text = invite.slice(INVITE_PREFIX.length)
    for (let length = 1; length < text.length; length++) {
      await assertInvalid(INVITE_PREFIX + text.slice(0, length), /truncated|not an invite|public key|signature|altered/)
    }
  })

  it('rejects a wrong prefix, naming the right one', async () => {
    const text = invite.slice(INVITE_PREFIX.length)
    for (const prefix of ['', 'hyphae://invit/', 'hyphae://Invite/', 'https://invite/', 'hyphae:/invite/']) {
      await assertInvalid(prefix + text, /must start with hyphae:\/\/invite\//)
    }
  })

  it('rejects empty input and an empty body', async () => {
    await assertInvalid('', /must start with/)
    await assertInvalid('   \n', /must start with/)
    await assertInvalid(INVITE_PREFIX, /wrong length/)
  })

  it('rejects a body far too long to be an invite', async () => {
    await assertInvalid(INVITE_PREFIX + 'A'.repeat(64 * 1024), /wrong length/)
  })
})

describe('a running node\'s invite', () => {
  let network: Network

  before(async () => {
    network = await createNetwork(2)
  })

  after(async () => {
    await network?.stop()
  })

  it('parses back to its peer id, nickname and dialable addresses', async () => {
    const [node] = network.nodes
    await node.setNickname('bob')
    const id = await node.id()
    const parsed = await parseInvite(id.invite)
    assert.equal(parsed.peerId.toString(), node.peerId)
    assert.equal(parsed.nickname, 'bob')
    assert.deepEqual(parsed.addrs.map(a => a.toString().replace(/\/p2p\/[^/]+$/, '')), node.libp2p.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, '')))
  })

  it('a contact added from an invite pasted in framed pieces, with a nickname after it', async () => {
    const [node, other] = network.nodes
    const { invite } = await node.id()
    const pasted = ['your invite:', ...(invite.match(/.{1,41}/g) ?? []).map(p => `│ ${p} │`), 'Bob B'].join('\n')
    const contact = await other.addContact(pasted)
    assert.equal(contact.peerId, node.peerId)
    assert.equal(contact.nickname, 'Bob B')
    // the quote and period around an invite in a sentence are not a nickname
    const again = await other.addContact(`they add it with: hyphae contacts add '${invite}'.`)
    assert.equal(again.nickname, 'Bob B', 'kept, not renamed to a quote')
  })
})
