import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { sha256 } from '@noble/hashes/sha2.js'
import { Envelope } from '../../protocols/dm/index.ts'
import { openFromRelay, sealForRelay, SEALED_SIZES } from '../../protocols/dm/sealed.ts'
import { MailboxService, MailboxStatus } from '../../protocols/mailbox/index.ts'
import { MailboxRequest, MailboxResponse } from '../../protocols/mailbox/pb/mailbox.ts'
import { createInbox } from '../../node/direct/inbox.ts'
import { MailboxClient } from '../../node/direct/mailbox-client.ts'
import { RequestQuota } from '../../node/direct/request-quota.ts'
import { KeyedMutex } from '../../node/keyed-mutex.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { LevelMailboxStore } from '../../node/store/mailbox-store.ts'
import { MessagesStore } from '../../node/store/messages-store.ts'
import { openAt, party, sealTo, type Party } from '../protocols/dm/parties.ts'
import type { Database } from '../../node/store/database.ts'
import type { ComponentLogger, Logger, PeerId } from '@libp2p/interface'

/** `npm run fuzz` sets 100000; `npm test` runs the default */
const RUNS = Number(process.env.HYPHAE_FUZZ_RUNS ?? 2000)
const noop = Object.assign(() => {}, { enabled: false, error: () => {}, trace: () => {} }) as unknown as Logger
const quiet: ComponentLogger = { forComponent: () => noop }
const unused = async (): Promise<never> => { throw new Error('not in this spec') }

function mutations (valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.array(fc.tuple(fc.nat(valid.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map(flips => {
      const out = Uint8Array.from(valid)
      for (const [at, xor] of flips) out[at] ^= xor
      return out
    }),
    fc.nat(valid.byteLength).map(n => valid.subarray(0, n))
  )
}

async function watchRejections (fn: () => Promise<void>): Promise<unknown[]> {
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => { rejections.push(reason) }
  process.on('unhandledRejection', onRejection)
  try {
    await fn()
    await new Promise(resolve => setImmediate(resolve))
  } finally {
    process.off('unhandledRejection', onRejection)
  }
  return rejections
}

describe('fuzz: mailbox requests into a real relay store, responses into a real inbox', { timeout: 1_800_000 }, () => {
  let db: Database
  /** bob is the recipient: his inbox opens with his ratchet, and stores in his database */
  let bob: Party
  let bobId: PeerId

  before(async () => {
    bob = await party()
    db = bob.db
    bobId = peerIdFromPrivateKey(bob.key)
  })

  after(async () => {
    await bob?.close()
  })

  it('relay: random and mutated requests get a status; only padded boxes in the opened queue are kept, and only the valid one opens', async () => {
    const store = new LevelMailboxStore(db)
    const relayKey = await generateKeyPair('Ed25519')
    const relay = new MailboxService({ registrar: { handle: unused, unhandle: unused }, connectionManager: { openStream: unused }, logger: quiet, privateKey: relayKey }, { store, queueRate: 1e9 })
    // bob's queue, as his client opens it
    const queue = crypto.getRandomValues(new Uint8Array(16))
    const token = crypto.getRandomValues(new Uint8Array(32))
    const queueKey = await generateKeyPair('Ed25519')
    await store.putQueue(Buffer.from(queue).toString('hex'), { key: queueKey.publicKey.raw, depositHash: sha256(token), seenAt: Date.now() })
    // a real session start from alice (a fresh identity) to bob's invite prekeys, boxed for bob
    const alice = await party()
    const envelope = sealForRelay(Envelope.encode(await sealTo(alice, bob, 'kept')), bob.key.publicKey)
    await alice.close()
    const valid = MailboxRequest.encode({ queue, timestamp: 0n, signature: new Uint8Array(0), deposit: { token, envelope: envelope as Uint8Array<ArrayBuffer>, expiresAt: 0n } })
    const serve = (relay as any).serve.bind(relay) as (request: MailboxRequest, from: string) => Promise<MailboxResponse>
    const rejections = await watchRejections(async () => {
      await fc.assert(fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 1024 }), mutations(valid)), fc.constantFrom('a', 'b'), async (bytes, from) => {
        let request: MailboxRequest
        try {
          request = MailboxRequest.decode(bytes)
        } catch {
          return
        }
        const response = await serve(request, from)
        assert.ok(Object.values(MailboxStatus).includes(response.status))
      }), { numRuns: RUNS })
    })
    assert.deepEqual(rejections, [])
    const kept = await store.list(Buffer.from(queue).toString('hex'), 1_000_000)
    // a relay cannot read what it keeps: it checks the token and the size; a mutated box passes
    // that, so what it keeps must be padded, and none but the valid message may open for bob
    let opened = 0
    for (const e of kept) {
      assert.ok(SEALED_SIZES.has(e.envelope.byteLength), 'only padded boxes')
      const inner = (() => { try { return openFromRelay(e.envelope, bob.key) } catch { return undefined } })()
      if (inner == null) continue
      const decoded = Envelope.decode(inner)
      const message = await openAt(bob, decoded, false).catch(() => undefined)
      if (message != null) { opened++; assert.equal(message.body, 'kept', 'nothing but the valid envelope opens') }
    }
    assert.ok(opened <= 1)
    assert.equal((await store.totalUsage()).messages, kept.length, 'and nothing in any other queue')
  })

  it('client: random and mutated fetch responses from our relay store only what is valid', async () => {
    const contacts = new ContactsStore(db)
    const messages = new MessagesStore(db)
    const inbox = createInbox({ contacts, messages, ratchet: bob.ratchet, mutex: new KeyedMutex(), log: noop, quota: new RequestQuota(db, contacts, messages), onStored: () => {}, onDropped: () => {}, onControl: async () => {} })
    const relayId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const ours = multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${relayId.toString()}/p2p-circuit/p2p/${bobId.toString()}`)
    let next: Uint8Array[] = []
    const mailbox = { protocol: '', open: async () => {}, deposit: unused, delete: async () => {}, fetch: async () => ({ items: next.map((envelope, i) => ({ id: i.toString(16).padStart(32, '0'), envelope })), more: false }),
      // what the client asks now: every queue in one request (these answers are all in the first)
      fetchMany: async (_relay: unknown, queues: Array<{ id: Uint8Array }>) => ({ items: next.map((envelope, i) => ({ id: i.toString(16).padStart(32, '0'), envelope, queue: Buffer.from(queues[0].id).toString('hex') })), more: [], denied: [] }),
      publishPrekeys: unused, fetchPrekeys: unused, close: async () => {} }
    const libp2p = { getMultiaddrs: () => [ours], addEventListener: () => {}, removeEventListener: () => {}, getConnections: () => [] }
    const client = new MailboxClient({ libp2p: libp2p as any, mailbox, contacts, log: noop, receive: inbox.receive, key: bob.key })
    // a real session start from a fresh identity to bob's invite prekeys, boxed for bob
    const stranger = await party()
    const valid = sealForRelay(Envelope.encode(await sealTo(stranger, bob, 'one')), bob.key.publicKey)
    await stranger.close()
    const rejections = await watchRejections(async () => {
      await fc.assert(fc.asyncProperty(fc.array(fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.uint8Array({ minLength: 1024 + 73, maxLength: 1024 + 73 }), mutations(valid)), { maxLength: 4 }), async envelopes => {
        next = envelopes
        await client.fetchFrom(relayId)
      }), { numRuns: RUNS })
    })
    assert.deepEqual(rejections, [])
    const stored = await messages.messages.values().all()
    assert.ok(stored.every(m => m.body === 'one' && m.conversation === stranger.peer), `only the valid one: ${stored.length}`)
  })
})
