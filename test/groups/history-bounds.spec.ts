import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { hex, unhex } from '../../node/hex.ts'
import { GroupContext } from '../../node/groups/context.ts'
import { epochKeys, GROUP_ID_BYTES, randomBytes, SECRET_BYTES, signGroupMessage, syncProof } from '../../node/groups/crypto.ts'
import { FETCH_BURST_BYTES, FETCH_BYTES_PER_SECOND, GroupHistory, MAX_SYNC_BYTES, MAX_SYNC_PAGES, SERVE_BURST_PAGES, SERVE_PAGES_PER_SECOND } from '../../node/groups/history.ts'
import { GroupLedger } from '../../node/groups/ledger.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { GroupsStore, type GroupRecord } from '../../node/store/groups-store.ts'
import { MAX_PAGE_BYTES, SyncRefusedError, SyncStatus, type GroupSync, type SyncPage, type SyncRequest } from '../../protocols/group-sync/index.ts'
import { GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import { formGroup } from './helpers.ts'
import type { PrivateKey } from '@libp2p/interface'

/** A body of 60 KiB: 17 of them pass MAX_PAGE_BYTES. */
const BIG = 'x'.repeat(60 * 1024)
/** Pages a fake server offers before it gives up: the old code took all 1,000 it was offered. */
const ENDLESS = 200

describe('history sync is bounded in pages, bytes and rate', { timeout: 180_000 }, () => {
  describe('what a member takes from a peer that serves without end', () => {
    let dir: string
    let db: Database
    let history: GroupHistory
    let ctx: GroupContext
    let server: PrivateKey
    const group = hex(randomBytes(GROUP_ID_BYTES))
    const served = { pages: 0, bytes: 0 }
    let lamport = 0

    before(async () => {
      dir = await tempDir()
      db = await openDatabase(dir, 'db', randomBytes(32))
      const me = await generateKeyPair('Ed25519')
      server = await generateKeyPair('Ed25519')
      const store = new GroupsStore(db)
      const record: GroupRecord = { id: group, name: 'g', admin: peerIdFromPrivateKey(server).toString(), epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', createdAt: 1, joinedAt: 1 }
      await store.batch([store.groupOp(record), store.memberOp(group, { peerId: record.admin, nickname: 's', state: 'member', admin: true, at: 1 })])
      ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('test') })
      const ledger = new GroupLedger(ctx, { key: me, onStored: () => {} })
      // every page full: 16 messages of 60 KiB (just under MAX_PAGE_BYTES), valid and new each time
      const endless: GroupSync = {
        protocol: 'fake',
        async fetch (_peer, _request: SyncRequest): Promise<SyncPage> {
          if (++served.pages > ENDLESS) throw new Error('the asker would not stop')
          const items: Uint8Array[] = []
          for (let i = 0; i < 16; i++) {
            const signed = await signGroupMessage({ key: server, group: unhex(group), lamport: ++lamport, kind: GroupMessageKind.TEXT, body: BIG })
            items.push(signed.bytes)
            served.bytes += signed.bytes.byteLength
          }
          return { items, cursor: new Uint8Array([1]), epoch: 0n }
        }
      }
      history = new GroupHistory(ctx, endless, ledger)
      history.start()
    })

    after(async () => {
      history?.stop()
      ctx?.stop()
      await ctx?.drained()
      await db?.close()
      await removeDir(dir)
    })

    it('stops one sync at MAX_SYNC_BYTES, and the next ones at the peer\'s byte budget', async (t) => {
      const started = Date.now()
      const peer = peerIdFromPrivateKey(server)
      const first = await history.fetch(group, peer, 0)
      assert.ok(served.bytes <= MAX_SYNC_BYTES + MAX_PAGE_BYTES, `one sync took ${served.bytes} bytes in ${served.pages} pages`)
      assert.ok(served.pages <= MAX_SYNC_PAGES)
      assert.equal(first, served.pages * 16, 'what it took was stored')
      t.diagnostic(`one sync: ${served.pages} pages, ${(served.bytes / 2 ** 20).toFixed(1)} MiB`)
      // asked again at once (a peer that keeps announcing itself): the budget runs out
      for (let i = 0; i < 4; i++) await history.fetch(group, peer, 0)
      const seconds = (Date.now() - started) / 1000
      const allowed = FETCH_BURST_BYTES + seconds * FETCH_BYTES_PER_SECOND + MAX_PAGE_BYTES
      assert.ok(served.bytes <= allowed, `five syncs took ${served.bytes} bytes, the budget allows ${allowed.toFixed(0)}`)
      t.diagnostic(`five syncs in ${seconds.toFixed(1)} s: ${served.pages} pages, ${(served.bytes / 2 ** 20).toFixed(1)} MiB`)
      assert.ok((ctx.stats.reasons['history paused: peer over its byte budget'] ?? 0) >= 1)
    })
  })

  describe('a sync refused part way (the server\'s page rate)', () => {
    let dir: string
    let db: Database
    let history: GroupHistory
    let ctx: GroupContext
    const group = hex(randomBytes(GROUP_ID_BYTES))
    const requests: SyncRequest[] = []
    let server: PrivateKey

    before(async () => {
      dir = await tempDir()
      db = await openDatabase(dir, 'db', randomBytes(32))
      const me = await generateKeyPair('Ed25519')
      server = await generateKeyPair('Ed25519')
      const store = new GroupsStore(db)
      const record: GroupRecord = { id: group, name: 'g', admin: peerIdFromPrivateKey(server).toString(), epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', createdAt: 1, joinedAt: 1 }
      await store.batch([store.groupOp(record)])
      ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('test') })
      let lamport = 0
      // three pages, then a refusal; asked again, the last page
      const refusing: GroupSync = {
        protocol: 'fake',
        async fetch (_peer, request: SyncRequest): Promise<SyncPage> {
          requests.push(request)
          if (requests.length === 4) throw new SyncRefusedError(SyncStatus.NOT_MEMBER)
          const items = [(await signGroupMessage({ key: server, group: unhex(group), lamport: ++lamport, kind: GroupMessageKind.TEXT, body: `m${lamport}` })).bytes]
          return { items, cursor: requests.length < 5 ? new Uint8Array([1]) : undefined, epoch: 0n }
        }
      }
      history = new GroupHistory(ctx, refusing, new GroupLedger(ctx, { key: me, onStored: () => {} }))
      history.start()
    })

    after(async () => {
      history?.stop()
      ctx?.stop()
      await ctx?.drained()
      await db?.close()
      await removeDir(dir)
    })

    it('keeps what it got and goes on later from there (the old code threw and never came back)', async () => {
      const peer = peerIdFromPrivateKey(server)
      assert.equal(await history.fetch(group, peer), 3)
      await waitFor(() => requests.length >= 5, { timeout: 15_000, message: 'the sync to be taken up again' })
      assert.ok(requests[4].since >= 2n, `it goes on from the last clock taken (since ${requests[4].since})`)
      await waitFor(async () => (await ctx.store.list(group)).length === 4, { message: 'the last page stored' })
    })
  })

  describe('what a member serves', () => {
    let network: Network
    let group: string

    before(async () => {
      network = await createNetwork(2)
      group = (await formGroup(network.nodes, 'bounds')).id
      for (let i = 0; i < 20; i++) await network.nodes[1].sendGroupMessage(group, BIG)
    })

    after(async () => { await network?.stop() })

    it('a page of big messages stops at MAX_PAGE_BYTES; a member asking without pause is refused past its page rate', async (t) => {
      const [a, b] = network.nodes
      const keys = epochKeys(unhex(group), unhex((await a.groups.store.group(group))!.secrets['0']))
      const ask = async (cursor: Uint8Array = new Uint8Array(), limit = 256): Promise<SyncPage> => a.groups.sync.fetch(b.libp2p.peerId, {
        group: keys.syncTag as Uint8Array<ArrayBuffer>, epoch: 0n, proof: syncProof(keys, a.libp2p.peerId, b.libp2p.peerId), since: 0n, cursor: cursor as Uint8Array<ArrayBuffer>, limit
      })
      const started = Date.now()
      const page = await ask()
      const bytes = page.items.reduce((n, i) => n + i.byteLength, 0)
      assert.ok(bytes <= MAX_PAGE_BYTES, `a page of ${bytes} bytes`)
      assert.ok(page.items.length >= 2 && page.cursor != null, 'the rest follows on the next page')
      const next = await ask(page.cursor)
      assert.ok(next.items.length >= 1, 'the cursor goes on')

      let ok = 2
      let refused = 0
      for (let i = 0; i < SERVE_BURST_PAGES * 2; i++) {
        try {
          await ask(undefined, 1)
          ok++
        } catch (err: any) {
          assert.equal(err.name, 'SyncRefusedError')
          assert.equal(err.status, SyncStatus.NOT_MEMBER, 'the one refusal')
          refused++
        }
      }
      const seconds = (Date.now() - started) / 1000
      t.diagnostic(`a page of ${page.items.length} items, ${bytes} bytes; ${ok} pages served and ${refused} refused in ${seconds.toFixed(1)} s`)
      assert.ok(ok <= SERVE_BURST_PAGES + seconds * SERVE_PAGES_PER_SECOND + 1, `${ok} pages served in ${seconds.toFixed(1)} s, ${refused} refused`)
    })
  })
})
