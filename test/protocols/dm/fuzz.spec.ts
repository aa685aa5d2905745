import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { lpStream } from '@libp2p/utils'
import fc from 'fast-check'
import { AckStatus, decodeFrame, encodeFrame, PROTOCOL, type Envelope } from '../../../protocols/dm/index.ts'
import { closed, connect, createDmNode, seal, stopAll, withRejectionWatch, type DmNode } from './helpers.ts'
import { openAt, party, sealTo } from './parties.ts'

/** The only ways opening a hostile envelope may fail. */
const TYPED = new Set(['MalformedEnvelopeError', 'UnexpectedSenderError', 'DuplicateMessageError', 'DecryptionFailedError', 'MessageTooLargeError', 'EmptyMessageError'])

const bytesOf = (n: number): fc.Arbitrary<Uint8Array<ArrayBuffer>> => fc.oneof(
  { arbitrary: fc.uint8Array({ minLength: n, maxLength: n }), weight: 3 },
  { arbitrary: fc.uint8Array({ maxLength: 80 }), weight: 1 }
) as fc.Arbitrary<Uint8Array<ArrayBuffer>>

/** Envelopes whose fields are often the right length, so the checks past the first are reached. */
const envelopes: fc.Arbitrary<Envelope> = fc.record({
  version: fc.oneof(fc.constant(2), fc.nat()),
  id: bytesOf(16),
  sender: bytesOf(36),
  ciphertext: bytesOf(200),
  kind: fc.oneof(fc.constantFrom(2, 3), fc.nat())
})

/** Byte soup as the wire would carry it: raw, or cut into length-prefixed frames. */
const wireChunks = fc.oneof(
  fc.array(fc.uint8Array({ minLength: 1, maxLength: 512 }), { maxLength: 6 }).map(chunks => ({ framed: false, chunks })),
  fc.array(fc.oneof(fc.uint8Array({ maxLength: 512 }), envelopes.map(envelope => encodeFrame({ envelope }))), { minLength: 1, maxLength: 6 })
    .map(chunks => ({ framed: true, chunks }))
)

describe('dm frame decoding under fuzz', () => {
  it('decodeFrame returns a frame or throws MalformedFrameError, for any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), bytes => {
      try {
        decodeFrame(bytes)
      } catch (err: any) {
        assert.equal(err.name, 'MalformedFrameError')
      }
    }), { numRuns: 5000 })
  })

  it('openEnvelope fails only with typed errors on hostile or mutated envelopes', async () => {
    const [alice, bob] = await Promise.all([party(), party()])
    try {
      const valid = await sealTo(alice, bob, 'x')
      // each field either kept from a valid envelope, a real key, or garbage; the ciphertext often
      // a valid one with a byte flipped, so libsignal's own checks are reached too
      const pick = <T> (keep: T, other: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: fc.constant(keep), weight: 4 }, { arbitrary: other, weight: 1 })
      const keys = fc.constantFrom(publicKeyToProtobuf(alice.key.publicKey) as Uint8Array<ArrayBuffer>, publicKeyToProtobuf(bob.key.publicKey) as Uint8Array<ArrayBuffer>)
      const flipped = fc.nat({ max: valid.ciphertext.length - 1 }).map(i => { const c = Uint8Array.from(valid.ciphertext); c[i] ^= 0x41; return c })
      const mutated = fc.record({
        version: pick(valid.version, fc.nat()),
        id: pick(valid.id, bytesOf(16)),
        sender: pick(valid.sender, fc.oneof(keys, bytesOf(36))),
        ciphertext: pick(valid.ciphertext, fc.oneof(flipped, flipped, bytesOf(200))),
        kind: pick(valid.kind, fc.nat())
      })
      let opened = 0
      await fc.assert(fc.asyncProperty(fc.oneof(envelopes, mutated, mutated), async envelope => {
        const decoded = decodeFrame(encodeFrame({ envelope })).envelope!
        try {
          // nothing kept: every run sees bob's state as it was
          await openAt(bob, decoded, false)
          opened++
        } catch (err: any) {
          assert.ok(TYPED.has(err.name), `untyped failure: ${err.stack}`)
        }
      }), { numRuns: 500 })
      assert.ok(opened > 0, 'the unmutated case was never generated')
    } finally {
      await Promise.all([alice.close(), bob.close()])
    }
  })

  it('the inbound handler survives arbitrary bytes: no crash, no unhandled rejection, no onMessage', async () => {
    let alice: DmNode | undefined
    let bob: DmNode | undefined
    let mallory: DmNode | undefined
    try {
      [alice, bob, mallory] = await Promise.all([createDmNode(), createDmNode({ maxStrikes: Infinity }), createDmNode()])
      const froms: string[] = []
      bob.dm.onMessage = (from) => {
        froms.push(from.toString())
        return AckStatus.STORED
      }
      await connect(alice, bob)
      await connect(mallory, bob)
      const { rejections } = await withRejectionWatch(async () => {
        await fc.assert(fc.asyncProperty(wireChunks, async ({ framed, chunks }) => {
          const raw = await mallory!.libp2p.dialProtocol(bob!.libp2p.peerId, PROTOCOL)
          const done = closed(raw)
          try {
            const lp = lpStream(raw)
            for (const chunk of chunks) {
              if (framed) await lp.write(chunk)
              else raw.send(chunk)
            }
            await raw.close()
          } catch {
            // bob may reset the stream half way through, which is the point
          }
          await done
        }), { numRuns: 150 })
        // and bob still serves an honest peer on the same node
        assert.equal(await alice!.dm.send(bob!.libp2p.peerId, await seal(alice!, bob!, 'still fine')), AckStatus.STORED)
      })
      assert.deepEqual(rejections, [])
      assert.deepEqual(froms, [alice.libp2p.peerId.toString()])
    } finally {
      await stopAll(alice, bob, mallory)
    }
  })
})
