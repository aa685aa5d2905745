/**
 * What a poll of one relay costs an owner with a mailbox queue per contact, against the one
 * shared queue it had before (the baseline, in the same run): fetch requests and wall time per
 * poll, with every queue asked one by one (a Fetch each) and all of them in one FetchMany. Two
 * bare libp2p nodes on loopback (a relay with a level store, a client); the queues are put in
 * the relay's store directly (opens are rate-limited per peer, and are not what a poll costs).
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { sha256 } from '@noble/hashes/sha2.js'
import { mailbox, type Mailbox, type QueueKeys } from '../protocols/mailbox/index.ts'
import { openDatabase } from '../node/store/database.ts'
import { LevelMailboxStore } from '../node/store/mailbox-store.ts'
import { createBareNode } from './bare.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { round } from './stats.ts'

function cpuMs (): number {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1000
}

async function run (ctx: BenchContext): Promise<BenchResult> {
  const contacts = ctx.quick ? 50 : 200
  const polls = ctx.quick ? 10 : 30
  const dir = join(tmpdir(), `hyphae-bench-queues-${randomBytes(4).toString('hex')}`)
  const db = await openDatabase(dir, 'db', randomBytes(32))
  const store = new LevelMailboxStore(db)
  const relay = await createBareNode<{ mailbox: Mailbox }>({ mailbox: mailbox({ store }) as any })
  const client = await createBareNode<{ mailbox: Mailbox }>({ mailbox: mailbox() as any })
  try {
    const queues: QueueKeys[] = await Promise.all(Array.from({ length: contacts + 1 }, async () => ({ id: randomBytes(16), key: await generateKeyPair('Ed25519'), token: randomBytes(32) })))
    // seen now: the relay's sweep at start drops a queue idle for 30 days
    for (const q of queues) await store.putQueue(Buffer.from(q.id).toString('hex'), { key: q.key.publicKey.raw, depositHash: sha256(q.token), seenAt: Date.now() })
    await client.dial(relay.getMultiaddrs()[0])
    const relayId = relay.peerId
    const m = client.services.mailbox
    ctx.log(`mailbox-queues: ${contacts} contacts, ${polls} polls each way`)
    const measure = async (poll: () => Promise<number>): Promise<{ ms: number, cpu: number, requests: number }> => {
      await poll()
      let requests = 0
      const c0 = cpuMs()
      const t0 = performance.now()
      for (let i = 0; i < polls; i++) requests += await poll()
      return { ms: (performance.now() - t0) / polls, cpu: (cpuMs() - c0) / polls, requests: requests / polls }
    }
    const shared = await measure(async () => { await m.fetch(relayId, queues[0]); return 1 })
    const oneByOne = await measure(async () => {
      for (const q of queues) await m.fetch(relayId, q)
      return queues.length
    })
    const batched = await measure(async () => {
      const got = await m.fetchMany(relayId, queues)
      if (got.denied.length > 0) throw new Error(`${got.denied.length} queues denied`)
      return 1
    })
    return {
      figures: [
        figure({ name: `poll, ${contacts} contacts' queues, one FetchMany`, unit: 'ms', value: batched.ms, baseline: 'one shared queue', baselineValue: shared.ms, better: 'lower', n: polls }),
        figure({ name: `poll, ${contacts} contacts' queues, a Fetch each`, unit: 'ms', value: oneByOne.ms, baseline: 'one shared queue', baselineValue: shared.ms, better: 'lower', n: polls }),
        figure({ name: `poll CPU (both ends), ${contacts} queues, one FetchMany`, unit: 'ms', value: batched.cpu, baseline: 'one shared queue', baselineValue: shared.cpu, better: 'lower', n: polls }),
        figure({ name: `poll CPU (both ends), ${contacts} queues, a Fetch each`, unit: 'ms', value: oneByOne.cpu, baseline: 'one shared queue', baselineValue: shared.cpu, better: 'lower', n: polls }),
        figure({ name: `requests per poll, ${contacts} queues, one FetchMany`, unit: 'req', value: batched.requests, baseline: 'a Fetch each', baselineValue: oneByOne.requests, better: 'lower' })
      ],
      details: { contacts, polls, shared, oneByOne: { ...oneByOne, ms: round(oneByOne.ms) }, batched: { ...batched, ms: round(batched.ms) } }
    }
  } finally {
    await Promise.all([client.stop(), relay.stop()])
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}

export const bench: Bench = {
  name: 'mailbox-queues',
  description: 'a poll of one relay with a queue per contact (one by one, and one FetchMany) against one shared queue',
  tags: ['dm', 'mailbox'],
  run
}
