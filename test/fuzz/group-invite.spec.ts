import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { base64url } from 'multiformats/bases/base64'
import { concat } from 'uint8arrays/concat'
import { hex } from '../../node/hex.ts'
import { groupIdOf, randomBytes } from '../../node/groups/crypto.ts'
import { createGroupInvite, GROUP_INVITE_PREFIX, parseGroupInvite } from '../../node/groups/invite.ts'
import { GroupInvite } from '../../protocols/group/pb/group.ts'
import { createNetwork, type Network } from '../fixtures/index.ts'
import { mutate, RUNS, seeded, watchRejections } from './group-fuzz.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=/:#?% \n\u0000\u202e'
/** Joining goes through the real node (store, pubsub): a share of the runs. */
const JOIN_RUNS = Math.max(20, Math.min(200, Math.floor(RUNS / 40)))

describe('fuzz: group invites', { timeout: 600_000 }, () => {
  let valid: string
  const inputs: string[] = []

  before(async () => {
    const key = await generateKeyPair('Ed25519')
    const nonce = randomBytes(16)
    valid = createGroupInvite({
      id: hex(groupIdOf(key.publicKey, nonce)),
      nonce: hex(nonce),
      name: 'fuzz',
      epoch: 3,
      secret: randomBytes(32),
      admin: peerIdFromPrivateKey(key).toString(),
      members: [{ peerId: peerIdFromPrivateKey(key).toString(), addrs: [multiaddr('/ip4/127.0.0.1/tcp/4001')] }]
    }, key)
  })

  it(`${RUNS} random and mutated invites: each refused with InvalidGroupInviteError, none taken as another`, () => {
    const rng = seeded('group invite')
    // a paste may bring line breaks, spaces and words after the invite: still the same invite,
    // taken as it is; anything else is refused
    const original = parseGroupInvite(valid)
    let cosmetic = 0
    const bytes = base64url.baseDecode(valid.slice(GROUP_INVITE_PREFIX.length))
    const reasons: Record<string, number> = {}
    for (let i = 0; i < RUNS; i++) {
      let text: string
      switch (rng.int(4)) {
        // altered, then given a matching checksum (as a hostile tool would): into the field checks and the signature
        case 3: {
          const mutant = mutate(rng, bytes)
          try {
            const pb = GroupInvite.decode(mutant)
            pb.checksum = new Uint8Array(0)
            pb.checksum = sha256(concat([new TextEncoder().encode('hyphae-group-invite/1'), GroupInvite.encode(pb)])).subarray(0, 8) as Uint8Array<ArrayBuffer>
            text = GROUP_INVITE_PREFIX + base64url.baseEncode(GroupInvite.encode(pb))
          } catch {
            text = GROUP_INVITE_PREFIX + base64url.baseEncode(mutant)
          }
          if (text === valid) text += 'A'
          break
        }
        // the protobuf altered and re-encoded: past base64, into the decoder and the checks
        case 0: text = GROUP_INVITE_PREFIX + base64url.baseEncode(mutate(rng, bytes)); break
        // the text altered as a person or a chat app might
        case 1: {
          const chars = [...valid]
          const at = GROUP_INVITE_PREFIX.length + rng.int(chars.length - GROUP_INVITE_PREFIX.length)
          chars.splice(at, rng.int(3), ...Array.from({ length: rng.int(3) }, () => ALPHABET[rng.int(ALPHABET.length)]))
          text = chars.join('')
          if (text === valid) text += 'A'
          break
        }
        default: text = GROUP_INVITE_PREFIX + Array.from({ length: rng.int(300) }, () => ALPHABET[rng.int(ALPHABET.length)]).join('')
      }
      let parsed
      try {
        parsed = parseGroupInvite(text)
      } catch (err: any) {
        assert.equal(err?.name, 'InvalidGroupInviteError', `input ${i} threw ${String(err)}: ${text}`)
        const reason = String(err.message).replace(/[0-9]+/g, 'N')
        reasons[reason] = (reasons[reason] ?? 0) + 1
        if (inputs.length < JOIN_RUNS) inputs.push(text)
        continue
      }
      assert.deepEqual(parsed, original, `input ${i} was taken as another invite: ${text}`)
      cosmetic++
    }
    assert.equal(inputs.length, JOIN_RUNS)
    process.stdout.write(`# reasons ${JSON.stringify(reasons)}; the same invite after a cosmetic change: ${cosmetic}\n`)
  })

  describe('joining with them', () => {
    let network: Network
    before(async () => { network = await createNetwork(1) })
    after(async () => { await network?.stop() })

    it(`${JOIN_RUNS} of them handed to joinGroup: refused, nothing stored, no topic, no unhandled rejection`, async () => {
      const [node] = network.nodes
      const rejections = watchRejections()
      try {
        for (const text of inputs) await assert.rejects(node.joinGroup(text), { name: 'InvalidGroupInviteError' })
      } finally {
        rejections.stop()
      }
      assert.deepEqual(rejections.seen, [])
      assert.deepEqual(await node.listGroups(), [])
      assert.deepEqual(node.libp2p.services.pubsub.getTopics(), [])
    })
  })
})
