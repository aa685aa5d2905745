import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { memory } from '@libp2p/memory'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { groupSync, MAX_PAGE_ITEMS, PROTOCOL, SyncFrame, SyncStatus, type GroupSync, type SyncRequest } from '../../../protocols/group-sync/index.ts'

type SyncNode = Libp2p<{ groupSync: GroupSync }>

async function createNode (): Promise<SyncNode> {
  return createLibp2p({
    addresses: { listen: [`/memory/${randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { groupSync: groupSync({ timeout: 5_000 }) }
  })
}

const request = (init: Partial<SyncRequest> = {}): SyncRequest => ({
  group: new Uint8Array([1]), epoch: 3n, proof: new Uint8Array([2]), since: 0n, cursor: new Uint8Array(), limit: 10, ...init
})

describe('/hyphae/group-sync/2.0.0', () => {
  let asker: SyncNode
  let responder: SyncNode
  /** the responder's history: 25 opaque items */
  const history = Array.from({ length: 25 }, (_, i) => new TextEncoder().encode(`item ${i}`))

  before(async () => {
    asker = await createNode()
    responder = await createNode()
    await asker.dial(responder.getMultiaddrs())
  })

  after(async () => {
    await asker?.stop()
    await responder?.stop()
  })

  it('pages through the history with the cursor the responder returns', async () => {
    const seen: SyncRequest[] = []
    responder.services.groupSync.onRequest = (_from, req) => {
      seen.push(req)
      const start = req.cursor.byteLength > 0 ? Number(new TextDecoder().decode(req.cursor)) : 0
      const items = history.slice(start, start + req.limit)
      const next = start + items.length
      return { status: SyncStatus.OK, items, cursor: next < history.length ? new TextEncoder().encode(String(next)) : undefined, epoch: 3n }
    }
    const got: Uint8Array[] = []
    let cursor = new Uint8Array()
    for (let i = 0; i < 10; i++) {
      const page = await asker.services.groupSync.fetch(responder.peerId, request({ cursor }))
      got.push(...page.items)
      assert.equal(page.epoch, 3n)
      if (page.cursor == null) break
      cursor = page.cursor as Uint8Array<ArrayBuffer>
    }
    assert.deepEqual(got.map(b => new TextDecoder().decode(b)), history.map(b => new TextDecoder().decode(b)))
    assert.equal(seen.length, 3)
    assert.deepEqual([...seen[0].proof], [2], 'the handler sees the proof to check it')
  })

  it('carries the responder\'s proof back on an answer, when it sends one', async () => {
    responder.services.groupSync.onRequest = () => ({ status: SyncStatus.OK, items: [], epoch: 3n, proof: new Uint8Array([7, 7]) })
    const page = await asker.services.groupSync.fetch(responder.peerId, request())
    assert.deepEqual([...page.proof ?? []], [7, 7])
    responder.services.groupSync.onRequest = () => ({ status: SyncStatus.OK, items: [], epoch: 3n })
    assert.equal((await asker.services.groupSync.fetch(responder.peerId, request())).proof, undefined, 'none sent, none read')
  })

  it('a refusal rejects with its status and the responder\'s epoch', async () => {
    responder.services.groupSync.onRequest = () => ({ status: SyncStatus.WRONG_EPOCH, epoch: 4n })
    await assert.rejects(asker.services.groupSync.fetch(responder.peerId, request()), { name: 'SyncRefusedError', status: SyncStatus.WRONG_EPOCH, epoch: 4n })
    responder.services.groupSync.onRequest = () => { throw new Error('disk on fire') }
    await assert.rejects(asker.services.groupSync.fetch(responder.peerId, request()), { name: 'SyncRefusedError', status: SyncStatus.UNAVAILABLE })
  })

  it('the limit holds both ways: the responder sends no more than asked, the asker accepts no more', async () => {
    responder.services.groupSync.onRequest = () => ({ status: SyncStatus.OK, items: history, epoch: 3n })
    const page = await asker.services.groupSync.fetch(responder.peerId, request({ limit: 5 }))
    assert.equal(page.items.length, 5)
    assert.equal((await asker.services.groupSync.fetch(responder.peerId, request({ limit: 100_000 }))).items.length, Math.min(history.length, MAX_PAGE_ITEMS))

    // a responder that ignores the limit
    const rogue = await createNode()
    try {
      await rogue.handle(PROTOCOL, async (stream) => {
        const lp = lpStream(stream)
        await lp.read()
        for (let i = 0; i < 3; i++) await lp.write(SyncFrame.encode({ item: new Uint8Array([i]) }))
        await lp.write(SyncFrame.encode({ end: { status: SyncStatus.OK, cursor: new Uint8Array(), epoch: 0n, proof: new Uint8Array() } }))
        await stream.close()
      }, { force: true })
      await asker.dial(rogue.getMultiaddrs())
      await assert.rejects(asker.services.groupSync.fetch(rogue.peerId, request({ limit: 2 })), { name: 'TooManyItemsError' })
    } finally {
      await rogue.stop()
    }
  })

  it('a request larger than a request can be is answered by closing the stream', async () => {
    const stream = await asker.dialProtocol(responder.peerId, PROTOCOL)
    const lp = lpStream(stream)
    await lp.write(new Uint8Array(4096))
    await assert.rejects(lp.read({ signal: AbortSignal.timeout(5_000) }))
  })
})
