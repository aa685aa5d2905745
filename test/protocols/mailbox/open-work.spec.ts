import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { tcp } from '@libp2p/tcp'
import { pbStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { sha256 } from '@noble/hashes/sha2.js'
import { createLibp2p, type Libp2p } from 'libp2p'
import { FETCH_MANY_QUEUES, MAX_WORK_BITS, MIN_WORK_BITS, MailboxStatus, PROTOCOL, mailbox, type Mailbox, type QueueKeys } from '../../../protocols/mailbox/index.ts'
import { signedBytes } from '../../../protocols/mailbox/mailbox.ts'
import { MailboxRequest, MailboxResponse } from '../../../protocols/mailbox/pb/mailbox.ts'
import { workBitsFor } from '../../../protocols/mailbox/work.ts'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import { LevelMailboxStore } from '../../../node/store/mailbox-store.ts'
import { removeDir, tempDir } from '../../fixtures/index.ts'

const MAX_QUEUES = 8

async function node (services: Record<string, any>): Promise<Libp2p<{ mailbox: Mailbox }>> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services
  }) as Promise<Libp2p<{ mailbox: Mailbox }>>
}

const newQueue = async (): Promise<QueueKeys> => ({ id: randomBytes(16), key: await generateKeyPair('Ed25519'), token: randomBytes(32) })

/**
 * Sybils opening queues: anyone may open one, so a flood of fresh queues would fill the relay's
 * cap (they only go after 30 idle days). Past half full, a new queue costs a proof of work that
 * grows with the fill; the relay checks one hash. A flood without work is refused; an owner's
 * client does the work it is asked and opens.
 */
describe('a relay filling up asks work of new queues', { timeout: 60_000 }, () => {
  let dir: string
  let db: Database
  let store: LevelMailboxStore
  let relay: Libp2p<{ mailbox: Mailbox }>
  let client: Libp2p<{ mailbox: Mailbox }>
  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    store = new LevelMailboxStore(db)
    relay = await node({ mailbox: mailbox({ store, maxQueues: MAX_QUEUES }) })
    client = await node({ mailbox: mailbox() })
  })
  after(async () => {
    await client?.stop()
    await relay?.stop()
    await db?.close()
    await removeDir(dir)
  })

  /** an open as a flooder sends it: signed by the queue's key, with no work (or the given bytes) */
  const bareOpen = async (queue: QueueKeys, work = new Uint8Array(0)): Promise<MailboxResponse> => {
    const request: MailboxRequest = {
      queue: Uint8Array.from(queue.id), timestamp: BigInt(Date.now()), signature: new Uint8Array(0),
      open: { key: Uint8Array.from(queue.key.publicKey.raw), depositHash: Uint8Array.from(sha256(queue.token)), work: Uint8Array.from(work) }
    }
    request.signature = Uint8Array.from(await queue.key.sign(signedBytes(relay.peerId, request)))
    const signal = AbortSignal.timeout(10_000)
    const stream = await client.dialProtocol(relay.getMultiaddrs(), PROTOCOL, { signal })
    const pb = pbStream(stream, { maxDataLength: 64 * 1024 })
    await pb.write(request, MailboxRequest, { signal })
    const response = await pb.read(MailboxResponse, { signal })
    await stream.close({ signal })
    return response
  }

  it('the work asked grows with the fill, none below half', () => {
    assert.equal(workBitsFor(0, 100), 0)
    assert.equal(workBitsFor(49, 100), 0)
    assert.equal(workBitsFor(50, 100), MIN_WORK_BITS)
    assert.ok(workBitsFor(75, 100) > MIN_WORK_BITS && workBitsFor(75, 100) < MAX_WORK_BITS)
    assert.equal(workBitsFor(99, 100), MAX_WORK_BITS)
  })

  it('a flood of opens without work is refused past half full; an owner\'s open does the work and succeeds', async () => {
    const m = client.services.mailbox
    // below half the cap a queue is free
    for (let i = 0; i < MAX_QUEUES / 2; i++) assert.equal((await bareOpen(await newQueue())).status, MailboxStatus.OK)
    assert.equal(await store.queueCount(), MAX_QUEUES / 2)
    for (let i = 0; i < 5; i++) {
      const answer = await bareOpen(await newQueue())
      assert.equal(answer.status, MailboxStatus.WORK, 'refused without work')
      assert.ok(answer.workBits >= MIN_WORK_BITS)
    }
    assert.equal((await bareOpen(await newQueue(), randomBytes(8))).status, MailboxStatus.WORK, 'random bytes are not work')
    assert.equal(await store.queueCount(), MAX_QUEUES / 2, 'the flood opened nothing')
    const owner = await newQueue()
    await m.open(relay.peerId, owner)
    assert.equal(await store.queueCount(), MAX_QUEUES / 2 + 1)
    // an open queue is confirmed again without work
    assert.equal((await bareOpen(owner)).status, MailboxStatus.OK)
  })

  it('a fetch naming more queues than a client ever sends is cut off whole (the decoder\'s limit), before any signature is checked', async () => {
    const queues = await Promise.all(Array.from({ length: FETCH_MANY_QUEUES + 1 }, newQueue))
    await assert.rejects(client.services.mailbox.fetchMany(relay.peerId, queues), { name: 'MailboxProtocolError' })
    const fine = await client.services.mailbox.fetchMany(relay.peerId, queues.slice(0, FETCH_MANY_QUEUES))
    assert.equal(fine.denied.length, FETCH_MANY_QUEUES, 'queues it does not hold are denied one by one')
  })
})
