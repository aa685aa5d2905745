import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { AckStatus, checkIntroduction, decodeFrame, DirectMessagesService, encodeFrame, Envelope, Frame, mintIntroduction } from '../../protocols/dm/index.ts'
import { createInbox } from '../../node/direct/inbox.ts'
import { RequestQuota } from '../../node/direct/request-quota.ts'
import { KeyedMutex } from '../../node/keyed-mutex.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { MessagesStore } from '../../node/store/messages-store.ts'
import { party, sealTo, type Party } from '../protocols/dm/parties.ts'
import type { Database } from '../../node/store/database.ts'
import type { ComponentLogger, Logger, PeerId } from '@libp2p/interface'

/** `npm run fuzz` sets 100000; `npm test` runs the default */
const RUNS = Number(process.env.HYPHAE_FUZZ_RUNS ?? 2000)

const quiet: ComponentLogger = { forComponent: () => Object.assign(() => {}, { enabled: false, error: () => {}, trace: () => {}, newScope: () => quiet.forComponent('') }) as unknown as Logger }

/** Bytes of `valid` with a few flipped, cut or stretched: mostly still a frame, rarely a valid one. */
function mutations (valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map(flips => {
      const out = Uint8Array.from(valid)
      for (const [at, xor] of flips) out[at] ^= xor
      return out
    }),
    fc.nat(valid.byteLength).map(n => valid.subarray(0, n)),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map(tail => Uint8Array.from([...valid, ...tail]))
  )
}

describe('fuzz: DM frames and envelopes into the real inbox and store', { timeout: 1_800_000 }, () => {
  let db: Database
  let messages: MessagesStore
  let contacts: ContactsStore
  let service: DirectMessagesService
  let alice: Party
  /** the victim: the inbox opens envelopes with its ratchet, and stores in its database */
  let bob: Party
  let aliceId: PeerId
  let bobId: PeerId

  before(async () => {
    ;[alice, bob] = await Promise.all([party(), party()])
    db = bob.db
    messages = new MessagesStore(db)
    contacts = new ContactsStore(db)
    aliceId = peerIdFromPrivateKey(alice.key)
    bobId = peerIdFromPrivateKey(bob.key)
    const inbox = createInbox({ contacts, messages, ratchet: bob.ratchet, mutex: new KeyedMutex(), log: quiet.forComponent(''), quota: new RequestQuota(db, contacts, messages), onStored: () => {}, onDropped: () => {}, onControl: async () => {} })
    const unused = async (): Promise<never> => { throw new Error('not in this spec') }
    service = new DirectMessagesService({ registrar: { handle: unused, unhandle: unused }, connectionManager: { openStream: unused, closeConnections: unused }, logger: quiet, privateKey: bob.key }, { onMessages: inbox.receiveMany })
  })

  after(async () => {
    await bob?.close()
  })

  it('random and mutated frames: no crash, no unhandled rejection, only the valid message stored', async () => {
    // a real session start from alice to bob's invite prekeys, which bob's inbox can open
    const valid = await sealTo(alice, bob, 'the one valid message')
    await alice.close()
    const validFrame = encodeFrame({ envelope: valid })
    const introFrame = encodeFrame({ introduction: await mintIntroduction(aliceId, bobId, 8) })
    const rejections: unknown[] = []
    const onRejection = (reason: unknown): void => { rejections.push(reason) }
    process.on('unhandledRejection', onRejection)
    const receive = (service as any).receive.bind(service) as (from: PeerId, envelopes: Envelope[], context: { introduced: boolean }) => Promise<AckStatus[]>
    try {
      await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 2048 }), mutations(validFrame), mutations(introFrame)), fc.boolean(), async (bytes, introduced) => {
        let frame: Frame
        try {
          frame = decodeFrame(bytes)
        } catch (err: any) {
          assert.equal(err.name, 'MalformedFrameError')
          return
        }
        if (frame.introduction != null) assert.equal(typeof checkIntroduction(frame.introduction, aliceId, bobId, 16), 'boolean')
        if (frame.envelope == null) return
        const statuses = await receive(aliceId, [frame.envelope], { introduced })
        assert.equal(statuses.length, 1)
        assert.ok(Object.values(AckStatus).includes(statuses[0]), `a status: ${statuses[0]}`)
      }), { numRuns: RUNS })
      await new Promise(resolve => setImmediate(resolve))
    } finally {
      process.off('unhandledRejection', onRejection)
    }
    assert.deepEqual(rejections, [])
    const stored = await messages.messages.values().all()
    const validId = Buffer.from(valid.id).toString('hex')
    assert.ok(stored.every(m => m.id === validId && m.body === 'the one valid message'), `only the valid message: ${JSON.stringify(stored.map(m => m.id))}`)
    assert.ok((await contacts.list()).every(c => c.peerId === aliceId.toString()), 'no record of anyone else')
  })
})
