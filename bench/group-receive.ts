/**
 * What a received group message costs its members, alone: the topic validator (topics.ts: open,
 * verify, dedupe, the author's checks) until gossipsub may forward it, then the ledger's store
 * step until the local event, one message after another, handed to `--members` members at once
 * (5: as many as share a process in group-procs), each on an encrypted level store of its own as
 * a profile has. No network (gossipsub is a stand-in holding the validators): the figure
 * group-procs shows through the noise of 50 nodes. Counted besides the times: level reads (the
 * caches' misses) in the validator and in the store step, and the process's CPU per message.
 *
 * usage: node --import tsx bench/group-receive.ts [--tree NAME=DIR ...] [--rounds 5]
 *          [--members 5] [--authors 20] [--messages 600] [--plain] [--json FILE]
 * With --tree, each DIR (a checkout with this file copied into its bench/) and this tree are
 * run in turn, each in a process of its own, order alternated round by round, and a table of
 * medians and ratios against the first tree is printed. --once runs this tree once and prints
 * one JSON line. --plain: level without the encrypting layer, to tell its share of the cost.
 * Written against the constructors of GroupTopics, GroupLedger and GroupsStore, so it runs in an
 * older checkout too.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { hex, unhex } from '../node/hex.ts'
import { GroupContext } from '../node/groups/context.ts'
import { epochKeys, GROUP_ID_BYTES, randomBytes, SECRET_BYTES, sealGroupEnvelope, signGroupMessage, type SignedGroupMessage } from '../node/groups/crypto.ts'
import { GroupLedger } from '../node/groups/ledger.ts'
import { GroupTopics } from '../node/groups/topics.ts'
import { openDatabase, openLevel, type Database } from '../node/store/database.ts'
import { GroupsStore, type GroupRecord } from '../node/store/groups-store.ts'
import { GroupMessageKind } from '../protocols/group/pb/group.ts'
import { removeDir, tempDir } from '../test/fixtures/temp-dir.ts'
import { ROOT } from './child.ts'
import { percentile, round } from './stats.ts'
import type { GroupPubSub } from '../node/groups/pubsub.ts'
import type { PeerId } from '@libp2p/interface'

const { values } = parseArgs({
  options: {
    tree: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '5' },
    once: { type: 'boolean', default: false },
    authors: { type: 'string', default: '20' },
    messages: { type: 'string', default: '600' },
    members: { type: 'string', default: '5' },
    plain: { type: 'boolean', default: false },
    json: { type: 'string' }
  }
})
const WARMUP = 50

interface Once {
  messages: number
  authors: number
  members: number
  plain: boolean
  /** the process's CPU time (every thread: LevelDB's too) per message, less sensitive to load than the times */
  cpuUs: number
  /** from the validator's call to its Accept: what forwarding waits for */
  acceptP50Us: number
  acceptMeanUs: number
  /** from the validator's call to the ledger's onStored: what the local event waits for */
  eventP50Us: number
  eventP99Us: number
  eventMeanUs: number
  /** from the store step taking the group's lock to onStored */
  lockedP50Us: number
  /** the store step's batch() alone, and the rest of it (reads, checks, the records to write) */
  batchP50Us: number
  unbatchedP50Us: number
  /** level reads per message (cache misses): the validator's, and the store step's under the lock */
  readsValidator: number
  readsStoreStep: number
}

/** The slice of gossipsub the validator path touches: nothing is published or scored. */
function standInPubSub (): GroupPubSub {
  return {
    subscribe () {},
    unsubscribe () {},
    async publish () { return { recipients: [] } },
    getSubscribers: () => [],
    topicValidators: new Map(),
    addEventListener () {},
    removeEventListener () {}
  }
}

/** One member: its own encrypted store, ledger and validator, each read and its store step counted. */
interface Member {
  validate: NonNullable<ReturnType<GroupPubSub['topicValidators']['get']>>
  stored?: () => void
  reads: number
  lockedAt: number
  readsAtLock: number
  batchUs: number
  close: () => Promise<void>
}

async function member (record: GroupRecord, authors: PeerId[], topic: string): Promise<Member> {
  const dir = await tempDir()
  const db = values.plain ? await openLevel(dir, 'db') as unknown as Database : await openDatabase(dir, 'db', randomBytes(32))
  const store = new GroupsStore(db)
  const group = record.id
  await store.batch([store.groupOp(record), ...authors.map((id, i) => store.memberOp(group, { peerId: id.toString(), nickname: `m${i}`, state: 'member', admin: i === 0, at: 1 }))])
  const me = await generateKeyPair('Ed25519')
  const ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('bench') })
  const pubsub = standInPubSub()
  const m: Member = { validate: async () => { throw new Error('not ready') }, reads: 0, lockedAt: 0, readsAtLock: 0, batchUs: 0, close: async () => {} }
  // every read that reaches level, whichever sublevel it is on, through the thread pool or not
  for (const sublevel of [store.groups, store.messages, store.ids, store.hashes, store.heads, store.members, store.clocks, store.unread]) {
    const get = sublevel.get.bind(sublevel) as (...args: any[]) => Promise<any>
    const getSync = sublevel.getSync.bind(sublevel) as (...args: any[]) => any
    ;(sublevel as any).get = async (...args: any[]) => { m.reads++; return get(...args) }
    ;(sublevel as any).getSync = (...args: any[]) => { m.reads++; return getSync(...args) }
  }
  // when the store step takes the group's lock, and how long its batch takes
  const run = ctx.mutex.run.bind(ctx.mutex)
  ctx.mutex.run = async (key, task) => run(key, async () => { m.lockedAt = performance.now(); m.readsAtLock = m.reads; return task() })
  const batch = store.batch.bind(store)
  store.batch = async ops => { const t = performance.now(); await batch(ops); m.batchUs = (performance.now() - t) * 1000 }
  const ledger = new GroupLedger(ctx, { key: me, onStored: () => { m.stored?.() } })
  const topics = new GroupTopics(ctx, { pubsub, ledger, onSubscriber: () => {}, onListening: () => {} })
  topics.start()
  if (!topics.activate(record)) throw new Error('the topic did not activate')
  const validate = pubsub.topicValidators.get(topic)
  if (validate == null) throw new Error('no validator on the group topic')
  m.validate = validate
  m.close = async () => {
    topics.stop()
    ctx.stop()
    await ctx.drained()
    await db.close()
    await removeDir(dir)
    if (Object.keys(ctx.stats.reasons).length > 0) throw new Error(`refusals: ${JSON.stringify(ctx.stats.reasons)}`)
  }
  return m
}

async function once (): Promise<Once> {
  const authors = Number(values.authors)
  const messages = Number(values.messages)
  const keys = await Promise.all(Array.from({ length: authors }, async () => generateKeyPair('Ed25519')))
  const ids = keys.map(k => peerIdFromPrivateKey(k))
  const group = hex(randomBytes(GROUP_ID_BYTES))
  const secret = randomBytes(SECRET_BYTES)
  const record: GroupRecord = { id: group, name: 'g', admin: ids[0].toString(), epoch: 0, secrets: { 0: hex(secret) }, state: 'active', createdAt: 1, joinedAt: 1 }
  const envelopeKeys = epochKeys(unhex(group), secret)
  const members: Member[] = []
  try {
    for (let i = 0; i < Number(values.members); i++) members.push(await member(record, ids, envelopeKeys.topic))
    // each author's chain in turn (every message names its author's previous one), as gossipsub hands them over
    const signed: SignedGroupMessage[] = []
    const prev = new Map<number, Uint8Array>()
    for (let i = 0; i < messages; i++) {
      const a = i % authors
      const s = await signGroupMessage({ key: keys[a], group: unhex(group), lamport: i + 1, kind: GroupMessageKind.TEXT, body: `bench message ${i} `.padEnd(120, '.'), prev: prev.get(a) })
      prev.set(a, s.hash)
      signed.push(s)
    }
    const accept: number[] = []
    const event: number[] = []
    const locked: number[] = []
    const batches: number[] = []
    const unbatched: number[] = []
    let readsValidator = 0
    let readsStoreStep = 0
    let cpuFrom = process.cpuUsage()
    for (const [i, s] of signed.entries()) {
      if (i === WARMUP) cpuFrom = process.cpuUsage()
      const msg = { type: 'signed', from: s.from, data: sealGroupEnvelope(envelopeKeys, s.bytes), topic: envelopeKeys.topic, sequenceNumber: BigInt(i), signature: new Uint8Array(), key: new Uint8Array() }
      const reads = members.map(m => m.reads)
      // every member is handed the message at once, as the members of one group-procs process are
      const t0 = performance.now()
      const times = await Promise.all(members.map(async m => {
        const done = new Promise<number>(resolve => { m.stored = () => { resolve(performance.now()) } })
        const verdict = await m.validate(ids[(i + 1) % authors], msg as any)
        const t1 = performance.now()
        if (verdict !== 'accept') throw new Error(`message ${i} not accepted: ${verdict}`)
        return [t1, await done]
      }))
      if (i < WARMUP) continue
      for (const [j, m] of members.entries()) {
        const [t1, t2] = times[j]
        accept.push((t1 - t0) * 1000)
        event.push((t2 - t0) * 1000)
        locked.push((t2 - m.lockedAt) * 1000)
        batches.push(m.batchUs)
        unbatched.push((t2 - m.lockedAt) * 1000 - m.batchUs)
        readsValidator += m.readsAtLock - reads[j]
        readsStoreStep += m.reads - m.readsAtLock
      }
    }
    const cpu = process.cpuUsage(cpuFrom)
    const n = (messages - WARMUP) * members.length
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
    return {
      messages,
      authors,
      members: members.length,
      plain: values.plain,
      cpuUs: Math.round((cpu.user + cpu.system) / n),
      acceptP50Us: Math.round(percentile(accept, 50)),
      acceptMeanUs: Math.round(avg(accept)),
      eventP50Us: Math.round(percentile(event, 50)),
      eventP99Us: Math.round(percentile(event, 99)),
      eventMeanUs: Math.round(avg(event)),
      lockedP50Us: Math.round(percentile(locked, 50)),
      batchP50Us: Math.round(percentile(batches, 50)),
      unbatchedP50Us: Math.round(percentile(unbatched, 50)),
      readsValidator: round(readsValidator / n),
      readsStoreStep: round(readsStoreStep / n)
    }
  } finally {
    for (const m of members) await m.close()
  }
}

/** One run of the copy of this file in `root`, in a process of its own. */
function runTree (root: string): Once {
  const args = ['--import', 'tsx', join(root, 'bench', 'group-receive.ts'), '--once', '--authors', values.authors, '--messages', values.messages, '--members', values.members, ...(values.plain ? ['--plain'] : [])]
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 600_000 })
  const line = child.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(line)
  } catch {
    throw new Error(`the run in ${root} printed no result (exit ${child.status}): ${child.stderr.slice(-800)}`)
  }
}

if (values.once || values.tree == null) {
  process.stdout.write(JSON.stringify(await once()) + '\n')
} else {
  const sides: Array<[string, string]> = values.tree.map(t => {
    const at = t.indexOf('=')
    if (at < 1) throw new Error(`--tree NAME=DIR, not ${t}`)
    return [t.slice(0, at), t.slice(at + 1)]
  })
  sides.push(['now', ROOT])
  const names = sides.map(([name]) => name)
  const results: Record<string, Once[]> = Object.fromEntries(names.map(n => [n, []]))
  for (let r = 0; r < Number(values.rounds); r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse()
    for (const [name, root] of order) {
      const run = runTree(root)
      results[name].push(run)
      process.stderr.write(`round ${r + 1} ${name}: CPU ${run.cpuUs} µs, event p50 ${run.eventP50Us} µs, accept p50 ${run.acceptP50Us} µs, reads ${run.readsValidator} + ${run.readsStoreStep}, load ${loadavg()[0].toFixed(1)}\n`)
    }
  }
  const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }
  const row = (label: string, pick: (o: Once) => number): string => {
    const runs = names.map(n => results[n].map(pick))
    const ratios = runs.slice(1).map(xs => median(runs[0]) === 0 ? 'n/a' : `${round(median(xs) / median(runs[0]))}x`)
    return `| ${label} | ${runs.map(xs => xs.map(round).join(' / ')).join(' | ')} | ${ratios.join(' | ')} |`
  }
  process.stdout.write([
    `a received group message, ${values.messages} from ${values.authors} authors, one at a time to ${values.members} members in one process${values.plain ? ', plain level' : ', encrypted store'}`,
    `| per message | ${names.join(' | ')} | ${names.slice(1).map(n => `${n}/${names[0]}`).join(' | ')} |`,
    `| --- | ${names.map(() => '---').join(' | ')} | ${names.slice(1).map(() => '---').join(' | ')} |`,
    row('CPU, all threads (µs)', o => o.cpuUs), row('to the local event, p50 (µs)', o => o.eventP50Us), row('to the local event, p99 (µs)', o => o.eventP99Us),
    row('to the local event, mean (µs)', o => o.eventMeanUs), row('to the Accept, p50 (µs)', o => o.acceptP50Us),
    row('store step under the lock, p50 (µs)', o => o.lockedP50Us), row('its batch, p50 (µs)', o => o.batchP50Us),
    row('the rest of it, p50 (µs)', o => o.unbatchedP50Us),
    row('level reads in the validator', o => o.readsValidator), row('level reads in the store step', o => o.readsStoreStep), ''
  ].join('\n'))
  if (values.json != null) await writeFile(values.json, JSON.stringify({ results }, null, 2))
}
