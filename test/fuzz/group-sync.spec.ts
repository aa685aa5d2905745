import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { memory } from '@libp2p/memory'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { hex, unhex } from '../../node/hex.ts'
import { GroupContext } from '../../node/groups/context.ts'
import { GROUP_ID_BYTES, randomBytes, SECRET_BYTES, signGroupMessage, syncProof } from '../../node/groups/crypto.ts'
import { GroupHistory } from '../../node/groups/history.ts'
import { GroupLedger } from '../../node/groups/ledger.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { GroupsStore, type GroupRecord } from '../../node/store/groups-store.ts'
import { groupSync, PROTOCOL, SyncFrame, SyncRequest, SyncStatus, type GroupSync, type SyncPage } from '../../protocols/group-sync/index.ts'
import { GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import { mutate, RUNS, seeded, watchRejections } from './group-fuzz.ts'
import type { PrivateKey } from '@libp2p/interface'

/** Raw frames over real streams are slower than in-process decoding: a share of the runs. */
const STREAM_RUNS = Math.max(50, Math.min(500, Math.floor(RUNS / 20)))

describe('fuzz: group-sync requests and responses', { timeout: 900_000 }, () => {
  let dir: string
  let db: Database
  let ctx: GroupContext
  let store: GroupsStore
  let history: GroupHistory
  let member: PrivateKey
  let record: GroupRecord
  /** what the fake transport hands the asker for the next page */
  let nextPage: () => SyncPage
  const sync: GroupSync = { protocol: 'fake', fetch: async () => nextPage() }

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    store = new GroupsStore(db)
    const me = await generateKeyPair('Ed25519')
    member = await generateKeyPair('Ed25519')
    const memberId = peerIdFromPrivateKey(member).toString()
    record = { id: hex(randomBytes(GROUP_ID_BYTES)), name: 'fuzz', admin: memberId, epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', createdAt: 1, joinedAt: 1 }
    await store.batch([store.groupOp(record), store.memberOp(record.id, { peerId: memberId, nickname: 'm', state: 'member', admin: true, at: 1 })])
    ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('fuzz') })
    history = new GroupHistory(ctx, sync, new GroupLedger(ctx, { key: me, onStored: () => {} }))
    history.start()
  })

  after(async () => {
    history?.stop()
    ctx?.stop()
    await ctx?.drained()
    await db?.close()
    await removeDir(dir)
  })

  it(`${RUNS} random and mutated requests decoded and served: each refused, nothing served or stored`, async () => {
    const rng = seeded('group-sync request')
    const rejections = watchRejections()
    const keys = ctx.keysOf(record)
    // requesters in turn, so that no one of them runs into the page rate and every input is judged
    const members = await Promise.all(Array.from({ length: 64 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    const valid = members.map(m => SyncRequest.encode({ group: keys.syncTag as Uint8Array<ArrayBuffer>, epoch: 0n, proof: syncProof(keys, m, ctx.self), since: 0n, cursor: new Uint8Array(), limit: 10 }))
    const statuses: Record<string, number> = {}
    try {
      for (let i = 0; i < RUNS; i++) {
        const member = members[i % members.length]
        const bytes = rng.int(4) === 0 ? rng.bytes(rng.int(200)) : mutate(rng, valid[i % members.length])
        let request: SyncRequest
        try {
          request = SyncRequest.decode(bytes)
        } catch {
          statuses.undecodable = (statuses.undecodable ?? 0) + 1
          continue
        }
        // the protocol caps limit before the node layer sees it
        const answer = await sync.onRequest!(member, { ...request, limit: Math.max(1, Math.min(request.limit, 256)) }, {})
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
        // a mutant may keep tag and proof intact (a changed `since` or `limit`): served, but there is nothing to serve
        if (answer.status === SyncStatus.OK) assert.deepEqual([...(answer.items as Iterable<Uint8Array>)], [])
        else assert.deepEqual(answer, { status: SyncStatus.NOT_MEMBER, epoch: 0n }, 'the one refusal')
      }
    } finally {
      rejections.stop()
    }
    process.stdout.write(`# answers ${JSON.stringify(statuses)}\n`)
    assert.deepEqual(rejections.seen, [])
  })

  it(`${RUNS} random and mutated pages taken as history: nothing stored, no unhandled rejection`, async () => {
    const rng = seeded('group-sync page')
    const rejections = watchRejections()
    const seeds = await Promise.all([1, 2, 3].map(async lamport => signGroupMessage({ key: member, group: unhex(record.id), lamport, kind: GroupMessageKind.TEXT, body: `seed ${lamport}` })))
    const peer = peerIdFromPrivateKey(member)
    try {
      for (let i = 0; i < RUNS; i++) {
        const items = Array.from({ length: 1 + rng.int(3) }, () => rng.int(5) === 0 ? rng.bytes(rng.int(300)) : mutate(rng, seeds[rng.int(seeds.length)].bytes))
        nextPage = () => ({ items, cursor: rng.int(2) === 0 ? rng.bytes(rng.int(40)) : undefined, epoch: BigInt(rng.int(3)) })
        // a throwing fetch is a refused sync, which is fine; a crash or a stored message is not
        await history.fetch(record.id, peer, 0).catch(() => {})
      }
      await ctx.drained()
    } finally {
      rejections.stop()
    }
    process.stdout.write(`# reasons ${JSON.stringify(ctx.stats.reasons)}\n`)
    assert.deepEqual(rejections.seen, [])
    assert.deepEqual(await store.list(record.id, { limit: 1000 }), [], 'nothing stored')
    assert.equal(await store.clock(record.id), 0)
  })

  describe('raw frames over a real stream', () => {
    let asker: Libp2p<{ groupSync: GroupSync }>
    let responder: Libp2p<{ groupSync: GroupSync }>
    const create = async (): Promise<Libp2p<{ groupSync: GroupSync }>> => createLibp2p({
      addresses: { listen: [`/memory/${randomUUID()}`] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { groupSync: groupSync({ timeout: 5_000 }) }
    })

    before(async () => {
      asker = await create()
      responder = await create()
      await asker.dial(responder.getMultiaddrs())
    })

    after(async () => {
      await asker?.stop()
      await responder?.stop()
    })

    it(`${STREAM_RUNS} junk requests to a responder, and junk answers to an asker: typed errors only, both keep serving`, async () => {
      const rng = seeded('group-sync frames')
      const rejections = watchRejections()
      let handled = 0
      responder.services.groupSync.onRequest = () => { handled++; return { status: SyncStatus.NOT_MEMBER, epoch: 0n } }
      const validRequest = SyncRequest.encode({ group: randomBytes(16), epoch: 0n, proof: randomBytes(32), since: 0n, cursor: new Uint8Array(), limit: 5 })
      const validAnswer = SyncFrame.encode({ end: { status: SyncStatus.OK, cursor: new Uint8Array(), epoch: 0n, proof: new Uint8Array() } })
      try {
        for (let i = 0; i < STREAM_RUNS; i++) {
          // to the responder: a junk request frame
          const stream = await asker.dialProtocol(responder.peerId, PROTOCOL)
          const lp = lpStream(stream)
          await lp.write(mutate(rng, validRequest)).catch(() => {})
          await stream.close().catch(() => {})
          // to an asker: a junk answer frame, from a handler of our own
          await responder.unhandle(PROTOCOL)
          const junk = mutate(rng, validAnswer)
          await responder.handle(PROTOCOL, async (s) => {
            const l = lpStream(s)
            await l.read().catch(() => {})
            await l.write(junk).catch(() => {})
            await s.close().catch(() => {})
          })
          await asker.services.groupSync.fetch(responder.peerId, SyncRequest.decode(validRequest), { signal: AbortSignal.timeout(5_000) }).then(
            () => {},
            (err: any) => { assert.ok(typeof err?.name === 'string' && err.name.length > 0, `a typed error, not ${String(err)}`) }
          )
          await responder.unhandle(PROTOCOL)
          await (responder.services.groupSync as any).start()
        }
      } finally {
        rejections.stop()
      }
      assert.deepEqual(rejections.seen, [])
      // still serving: a well-formed request is answered
      await assert.rejects(asker.services.groupSync.fetch(responder.peerId, SyncRequest.decode(validRequest)), { name: 'SyncRefusedError', status: SyncStatus.NOT_MEMBER })
      assert.ok(handled >= 1)
    })
  })
})
