/**
 * A file sent to a group of 100, served by the swarm, with the members spread over several
 * processes (group-file-swarm-worker.ts): group-file-swarm.ts holds every messenger in one
 * thread, which 100 do not fit in. Member 0 creates a group, the others join with its invite
 * (joining dials it) and each dials two more along a ring; member 0 offers one file to the
 * group (once every member counts the others, or none has learnt of another for 30 s), every
 * member accepts at once; timed until all hold it, each checked by SHA-256. The
 * author's upload (bytes its file service served) is reported as a multiple of the file.
 * Baseline in the same run, on the same messengers: the author sends the same file to each
 * member directly (a DM offer each, only the author as source), all accepted at once.
 *
 * usage: node --import tsx bench/group-file-swarm-procs.ts [--members 100] [--procs 10]
 *          [--mib 20] [--json FILE]
 * Prints progress on stderr, then the JSON document and a Markdown table on stdout.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ROOT } from './child.ts'
import { round } from './stats.ts'
import { WorkerProcess } from './worker-process.ts'
import { randomFile, sha256Of } from '../test/files/helpers.ts'

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '100' },
    procs: { type: 'string', default: '10' },
    mib: { type: 'string', default: '20' },
    json: { type: 'string' }
  }
})
const members = Number(values.members)
const procs = Math.min(Number(values.procs), members)
const mib = Number(values.mib)
if (!Number.isInteger(members) || members < 3 || members > 500) throw new RangeError('--members: 3 to 500')
if (!Number.isInteger(procs) || procs < 1) throw new RangeError('--procs: a whole number >= 1')
if (!(mib > 0 && mib <= 1024)) throw new RangeError('--mib: more than 0, at most 1024')
const perProc = Math.ceil(members / procs)
const bytes = Math.round(mib * 2 ** 20)
const FORM_TIMEOUT = 60_000 + members * 3_000
const OFFER_TIMEOUT = 5 * 60_000
/** membership is taken as settled once no member has learnt of another for this long */
const SETTLE_MS = 30_000
const TRANSFER_TIMEOUT = 30 * 60_000
const wallNow = (): number => performance.timeOrigin + performance.now()
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const t00 = wallNow()
const log = (m: string): void => { process.stderr.write(`${new Date().toISOString().slice(11, 19)} +${Math.round((wallNow() - t00) / 1000)}s ${m}\n`) }

/** Runs `job` over `items` with at most `limit` in flight. */
async function bounded<T> (items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await job(items[next++])
  }))
}

/** Polls `check` every `interval` ms until it returns true; throws `message()` after `timeout`. */
async function until (check: () => Promise<boolean>, timeout: number, interval: number, message: () => string): Promise<void> {
  const deadline = wallNow() + timeout
  while (!(await check())) {
    if (wallNow() > deadline) throw new Error(`timed out after ${Math.round(timeout / 1000)} s: ${message()}`)
    await sleep(interval)
  }
}

const workers: WorkerProcess[] = []
for (let p = 0; p < procs; p++) {
  const count = Math.min(perProc, members - p * perProc)
  workers.push(new WorkerProcess(ROOT, ['--import', 'tsx', join(ROOT, 'bench', 'group-file-swarm-worker.ts'), '--count', String(count)], () => {}))
}
const at = (g: number): [WorkerProcess, number] => [workers[Math.floor(g / perProc)], g % perProc]
const call = async (g: number, cmd: Record<string, unknown>, timeout?: number): Promise<any> => { const [w, member] = at(g); return w.call({ ...cmd, member }, timeout) }
const others = Array.from({ length: members - 1 }, (_, i) => i + 1)
const dir = await mkdtemp(join(tmpdir(), 'hyphae-bench-swarm-procs-'))
const load = { min: loadavg()[0], max: loadavg()[0] }
const loadTimer = setInterval(() => { const l = loadavg()[0]; load.min = Math.min(load.min, l); load.max = Math.max(load.max, l) }, 5_000)

/**
 * Every member but the author accepts file `ids[g]` into a folder of its own; resolves with the
 * ms until all hold it complete, each checked against `sha256`.
 */
async function transfer (label: string, ids: string[], sha256: string): Promise<number> {
  await until(async () => {
    const states = await allStates(ids)
    return others.every(g => states[g].state !== 'none')
  }, OFFER_TIMEOUT, 500, () => `${label}: the offers to arrive`)
  const t0 = wallNow()
  await bounded(others, 20, async g => {
    const folder = join(dir, `${label}-${g}`)
    await mkdir(folder)
    await call(g, { cmd: 'accept', file: ids[g], dir: folder })
  })
  const checked = new Set<number>()
  let lastLog = 0
  let states: any[] = []
  await until(async () => {
    states = await allStates(ids)
    for (const g of others) {
      const s = states[g]
      if (s.state === 'failed') throw new Error(`${label}: member ${g}: ${String(s.error)}`)
      if (s.state !== 'complete' || checked.has(g)) continue
      if (await sha256Of(s.savedTo) !== sha256) throw new Error(`${label}: member ${g} saved a different file`)
      checked.add(g)
    }
    if (wallNow() - lastLog > 10_000) {
      lastLog = wallNow()
      const received = others.reduce((n, g) => n + (states[g].received as number), 0)
      log(`${label}: ${checked.size}/${others.length} hold it, ${round(received / 2 ** 20)} MiB of ${round(others.length * mib)} received, load ${loadavg()[0].toFixed(1)}`)
    }
    return checked.size === others.length
  }, TRANSFER_TIMEOUT, 500, () => `${label}: ${others.length - checked.size} members still downloading: ${others.filter(g => !checked.has(g)).slice(0, 10).map(g => `${g} ${String(states[g]?.state)} ${String(states[g]?.received)} B`).join(', ')}`)
  return wallNow() - t0
}

/** file state per global member number, `ids[g]` the file asked of member g */
async function allStates (ids: string[]): Promise<any[]> {
  const answers = await Promise.all(workers.map(async (w, p) => w.call({ cmd: 'files', files: ids.slice(p * perProc, (p + 1) * perProc) }, 60_000)))
  return answers.flatMap(a => a.states)
}

let exitCode = 0
try {
  const ready = await Promise.all(workers.map(async w => w.ready))
  const address: string[] = ready.flatMap(r => r.members.map((m: any) => m.address))
  const peerId: string[] = ready.flatMap(r => r.members.map((m: any) => m.peerId))
  log(`${members} messengers up in ${procs} processes`)

  const formStart = wallNow()
  const { group } = await call(0, { cmd: 'create' })
  const { invite } = await call(0, { cmd: 'invite', group })
  let joined = 0
  await bounded(others, 5, async g => {
    await call(g, { cmd: 'join', invite }, FORM_TIMEOUT)
    if (++joined % 10 === 0) log(`${joined} of ${others.length} joined`)
  })
  for (const g of others) {
    for (const d of [1, 2]) {
      const to = 1 + ((g - 1 + d) % (members - 1))
      if (to !== g) await call(g, { cmd: 'connect', to: address[to] }).catch((err: Error) => { log(`dial ${g}->${to}: ${err.message}`) })
    }
  }
  // settled: every member counts every member, or no member learnt of one more for SETTLE_MS
  let counts: number[] = []
  let seen = -1
  let changedAt = wallNow()
  let lastLog = 0
  const formDeadline = wallNow() + FORM_TIMEOUT
  while (wallNow() < formDeadline) {
    counts = (await Promise.all(workers.map(async w => w.call({ cmd: 'members', group }, 60_000)))).flatMap(a => a.counts)
    const sum = counts.reduce((a, b) => a + b, 0)
    if (sum !== seen) { seen = sum; changedAt = wallNow() }
    if (counts.every(c => c === members) || wallNow() - changedAt > SETTLE_MS) break
    if (wallNow() - lastLog > 10_000) { lastLog = wallNow(); log(`members counted: fewest ${Math.min(...counts)}, median ${[...counts].sort((a, b) => a - b)[counts.length >> 1]} of ${members}`) }
    await sleep(2_000)
  }
  const formMs = wallNow() - formStart
  const fewest = Math.min(...counts)
  log(`group of ${members} formed in ${Math.round(formMs / 1000)} s; each member counts ${fewest}-${Math.max(...counts)} members`)

  const { path, sha256 } = await randomFile(dir, 'bench.bin', bytes)
  log(`swarm: ${mib} MiB to ${members - 1} members`)
  const { file } = await call(0, { cmd: 'send-file', to: group, path, group: true }, 120_000)
  const swarmMs = await transfer('swarm', Array(members).fill(file), sha256)
  const uploads = await Promise.all(Array.from({ length: members }, async (_, g) => (await call(g, { cmd: 'uploaded', files: [file] })).bytes / bytes))
  const swarmUpload = uploads[0]
  const memberUploads = uploads.slice(1)
  log(`swarm: all hold it in ${round(swarmMs / 1000)} s, author uploaded ${round(swarmUpload)}x the file`)

  log('baseline: the author sends it to each member directly')
  const authorInvite = (await call(0, { cmd: 'contact' })).invite
  await bounded(others, 5, async g => {
    await call(0, { cmd: 'add-contact', invite: (await call(g, { cmd: 'contact' })).invite })
    await call(g, { cmd: 'add-contact', invite: authorInvite })
  })
  const direct: string[] = ['']
  for (const g of others) direct[g] = (await call(0, { cmd: 'send-file', to: peerId[g], path }, 120_000)).file
  const directMs = await transfer('direct', direct, sha256)
  const directUpload = (await call(0, { cmd: 'uploaded', files: direct.slice(1) })).bytes / bytes
  log(`direct: all hold it in ${round(directMs / 1000)} s, author uploaded ${round(directUpload)}x the file`)

  const result = {
    members: members - 1,
    procs,
    mib,
    formMs: Math.round(formMs),
    membersCountedFewest: fewest,
    swarmMs: Math.round(swarmMs),
    directMs: Math.round(directMs),
    swarmUpload,
    directUpload,
    memberUploadMax: Math.max(...memberUploads),
    memberUploadMean: memberUploads.reduce((a, b) => a + b, 0) / memberUploads.length,
    membersUploadingNothing: memberUploads.filter(u => u === 0).length,
    load
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n' + [
    `| figure | swarm | author sends to each directly | ratio |`,
    '| --- | --- | --- | --- |',
    `| ${mib} MiB to ${members - 1} members: time until all hold it | ${round(swarmMs / 1000)} s | ${round(directMs / 1000)} s | ${round(swarmMs / directMs)}x |`,
    `| author's upload, multiple of the file (goal < 5x) | ${round(swarmUpload)}x | ${round(directUpload)}x | ${round(swarmUpload / directUpload)}x |`,
    ''
  ].join('\n'))
  if (values.json != null) await writeFile(values.json, JSON.stringify(result, null, 2))
} catch (err: any) {
  log(`failed: ${String(err?.message ?? err)}`)
  exitCode = 1
} finally {
  clearInterval(loadTimer)
  await Promise.all(workers.map(async w => { await w.stop() }))
  await rm(dir, { recursive: true, force: true })
}
process.exit(exitCode)
