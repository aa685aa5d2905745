import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hex, unhex } from '../../node/hex.ts'
import { GroupContext } from '../../node/groups/context.ts'
import { equals } from 'uint8arrays/equals'
import { GROUP_ID_BYTES, openGroupEnvelope, randomBytes, SECRET_BYTES, sealGroupEnvelope, signGroupMessage } from '../../node/groups/crypto.ts'
import { GroupLedger } from '../../node/groups/ledger.ts'
import { GroupTopics } from '../../node/groups/topics.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { GroupsStore, type GroupRecord } from '../../node/store/groups-store.ts'
import { GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import { mutate, RUNS, seeded, watchRejections } from './group-fuzz.ts'
import type { GroupPubSub } from '../../node/groups/pubsub.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** Just enough gossipsub to hold the validator GroupTopics registers. */
function fakePubSub (): GroupPubSub {
  return {
    topicValidators: new Map(),
    subscribe: () => {},
    unsubscribe: () => {},
    publish: async () => ({ recipients: [] }),
    getSubscribers: () => [],
    addEventListener: () => {},
    removeEventListener: () => {}
  }
}

describe('fuzz: a group message on the topic (envelope and signed message decoders)', { timeout: 600_000 }, () => {
  let dir: string
  let db: Database
  let ctx: GroupContext
  let topics: GroupTopics
  let pubsub: GroupPubSub
  let store: GroupsStore
  let author: PrivateKey
  let authorId: PeerId
  let record: GroupRecord

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    store = new GroupsStore(db)
    const me = await generateKeyPair('Ed25519')
    author = await generateKeyPair('Ed25519')
    authorId = peerIdFromPrivateKey(author)
    record = { id: hex(randomBytes(GROUP_ID_BYTES)), name: 'fuzz', admin: authorId.toString(), epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', createdAt: 1, joinedAt: 1 }
    await store.batch([store.groupOp(record)])
    ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('fuzz') })
    const ledger = new GroupLedger(ctx, { key: me, onStored: () => {} })
    pubsub = fakePubSub()
    topics = new GroupTopics(ctx, { pubsub, ledger, onSubscriber: () => {}, onListening: () => {} })
    topics.start()
    assert.ok(topics.activate(record))
  })

  after(async () => {
    topics?.stop()
    ctx?.stop()
    await ctx?.drained()
    await db?.close()
    await removeDir(dir)
  })

  it(`${RUNS} random and mutated inputs: each rejected or ignored, none stored, no unhandled rejection`, async () => {
    const rng = seeded('group message')
    const rejections = watchRejections()
    const keys = ctx.keysOf(record)
    const validate = pubsub.topicValidators.get(keys.topic)!
    const kinds = [GroupMessageKind.TEXT, GroupMessageKind.JOIN, GroupMessageKind.LEAVE, GroupMessageKind.REMOVE]
    const seeds = await Promise.all(kinds.map(async (kind, i) => signGroupMessage({
      key: author, group: unhex(record.id), lamport: 1 + i, kind, body: kind === GroupMessageKind.TEXT ? 'hello' : 'n', subject: kind === GroupMessageKind.REMOVE ? authorId.toString() : undefined, epoch: kind === GroupMessageKind.REMOVE ? 0 : undefined
    })))
    const verdicts: Record<string, number> = {}
    try {
      for (let i = 0; i < RUNS; i++) {
        const seed = seeds[rng.int(seeds.length)]
        let data: Uint8Array
        switch (rng.int(3)) {
          // the inner message altered, sealed with the right key: it reaches the protobuf decoder and the signature check
          case 0: data = sealGroupEnvelope(keys, mutate(rng, seed.bytes)); break
          case 1: data = mutate(rng, sealGroupEnvelope(keys, seed.bytes)); break
          default: data = rng.bytes(rng.int(512))
        }
        const result = await validate(authorId, { type: 'signed', from: authorId, topic: keys.topic, data, sequenceNumber: BigInt(i), signature: new Uint8Array(64), key: authorId.publicKey! } as any)
        if (result === TopicValidatorResult.Accept) {
          // an envelope re-encoded around an untouched seed (an extra field, say) still holds that
          // valid message: the only thing that may be taken
          const inner = openGroupEnvelope(keys, data)
          assert.ok(seeds.some(seed => equals(seed.bytes, inner)), `input ${i} was accepted: ${hex(data).slice(0, 200)}`)
        }
        verdicts[result] = (verdicts[result] ?? 0) + 1
      }
      await ctx.drained()
    } finally {
      rejections.stop()
    }
    process.stdout.write(`# verdicts ${JSON.stringify(verdicts)}, reasons ${JSON.stringify(ctx.stats.reasons)}\n`)
    assert.deepEqual(rejections.seen, [])
    const seedIds = new Set(seeds.map(seed => hex(seed.message.id)))
    const stored = await store.list(record.id, { limit: 1000 })
    assert.deepEqual(stored.filter(m => !seedIds.has(m.id)), [], 'nothing stored but the valid seeds')
    assert.ok(await store.clock(record.id) <= seeds.length)
  })
})
