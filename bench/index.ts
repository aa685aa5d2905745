/**
 * hyphae's benchmarks, each figure next to a bare-libp2p baseline measured in the same run.
 *
 * usage: npm run bench -- [NAME|TAG ...] [--quick] [--json FILE] [--cpu-prof DIR] [--list]
 *
 * Prints the JSON document, then a Markdown table, on stdout; progress goes to stderr.
 * A bench is a module exporting `bench: Bench` (see report.ts); add it to BENCHES below.
 */
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { CHILD_PROFILE_ENV } from './child.ts'
import { markdownSummary, summarizeProfile } from './profile-summary.ts'
import { describeMachine, markdownTable, type Bench, type BenchDocument, type BenchRecord } from './report.ts'

interface Entry {
  name: string
  tags: string[]
  file: string
  /** skipped (and said so) while the file does not exist yet */
  optional?: boolean
}

/** In run order. Names and tags are listed here so --help and selection load nothing. */
export const BENCHES: Entry[] = [
  { name: 'dm-rtt', tags: ['dm'], file: './dm-rtt.ts' },
  { name: 'dm-throughput', tags: ['dm'], file: './dm-throughput.ts' },
  { name: 'dm-ratchet', tags: ['dm'], file: './dm-ratchet.ts' },
  { name: 'mailbox-sealed', tags: ['dm', 'mailbox'], file: './mailbox-sealed.ts' },
  { name: 'mailbox-queues', tags: ['dm', 'mailbox'], file: './mailbox-queues.ts' },
  { name: 'dm-wss', tags: ['dm', 'censorship'], file: './dm-wss.ts' },
  { name: 'short-flows', tags: ['censorship'], file: './short-flows.ts' },
  { name: 'gossip-baseline', tags: ['gossip', 'group'], file: './gossip-baseline.ts' },
  { name: 'group-fanout', tags: ['gossip', 'group'], file: './group-fanout.ts' },
  { name: 'channel-fanout', tags: ['gossip', 'group', 'channel'], file: './channel-fanout.ts' },
  { name: 'dht', tags: ['network'], file: './dht.ts' },
  { name: 'cold-start', tags: ['process'], file: './cold-start.ts' },
  { name: 'idle-memory', tags: ['memory', 'process'], file: './idle-memory.ts' },
  { name: 'scale', tags: ['memory'], file: './scale.ts' },
  { name: 'store', tags: ['store'], file: './store.ts' },
  { name: 'file-transfer', tags: ['files'], file: './file-transfer.ts' },
  { name: 'peer-store', tags: ['store'], file: './peer-store.ts' },
  { name: 'group-file-swarm', tags: ['files', 'group'], file: './group-file-swarm.ts' }
]

const HELP = `usage: npm run bench -- [NAME|TAG ...] [--quick] [--json FILE] [--cpu-prof DIR] [--list]

  NAME|TAG       run only these benches (a tag selects every bench carrying it); default: all
  --quick        small sizes and short spans (the whole suite in under 2 minutes)
  --json FILE    also write the JSON document to FILE
  --cpu-prof DIR profile this process while each bench runs: DIR/<bench>.cpuprofile, and a
                 summary of where the time goes on stderr; node child processes (cold-start,
                 idle-memory, scale) write theirs to DIR/children/ when they exit
  --list         list the benches and their tags

Prints the JSON document and then a Markdown table on stdout; progress on stderr.
See bench/README.md.`

function present (entry: Entry): boolean {
  return existsSync(new URL(entry.file, import.meta.url))
}

export function select (names: string[]): Entry[] {
  if (names.length === 0) return BENCHES
  const unknown = names.filter(n => !BENCHES.some(b => b.name === n || b.tags.includes(n)))
  if (unknown.length > 0) throw new Error(`unknown bench or tag: ${unknown.join(', ')} (try --list)`)
  return BENCHES.filter(b => names.includes(b.name) || b.tags.some(t => names.includes(t)))
}

async function runOne (entry: Entry, quick: boolean, profileDir?: string): Promise<BenchRecord> {
  const log = (message: string): void => { process.stderr.write(`[${entry.name}] ${message}\n`) }
  const started = performance.now()
  let session: Session | undefined
  try {
    const mod = await import(entry.file) as { bench?: Bench }
    if (mod.bench == null) throw new Error(`${entry.file} exports no \`bench\``)
    if (profileDir != null) {
      session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 500 })
      await session.post('Profiler.start')
    }
    const result = await mod.bench.run({ quick, log })
    return { name: entry.name, durationMs: Math.round(performance.now() - started), ...result }
  } catch (err: any) {
    log(`failed: ${err?.stack ?? err}`)
    return { name: entry.name, durationMs: Math.round(performance.now() - started), figures: [], error: err?.message ?? String(err) }
  } finally {
    if (session != null && profileDir != null) {
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      const file = join(profileDir, `${entry.name}.cpuprofile`)
      await writeFile(file, JSON.stringify(profile))
      log(`profile written to ${file}\n${markdownSummary(summarizeProfile(profile as any, 15))}`)
    }
  }
}

export async function main (argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { console.log(HELP); return 0 }
  if (values.list) {
    for (const b of BENCHES) console.log(`${b.name.padEnd(16)} tags: ${b.tags.join(', ')}${present(b) ? '' : '  (not present yet)'}`)
    return 0
  }
  const chosen = select(positionals)
  const runnable = chosen.filter(b => present(b) || b.optional !== true)
  for (const b of chosen) if (!runnable.includes(b)) process.stderr.write(`[${b.name}] skipped: ${b.file} does not exist yet\n`)

  const doc: BenchDocument = {
    tool: 'hyphae-bench',
    version: 1,
    startedAt: new Date().toISOString(),
    quick: values.quick,
    benches: runnable.map(b => b.name),
    machine: describeMachine(),
    results: []
  }
  const profileDir = values['cpu-prof']
  if (profileDir != null) {
    await mkdir(join(profileDir, 'children'), { recursive: true })
    process.env[CHILD_PROFILE_ENV] = join(profileDir, 'children')
  }
  const t0 = performance.now()
  for (const entry of runnable) {
    process.stderr.write(`[${entry.name}] running${values.quick ? ' (quick)' : ''}\n`)
    const record = await runOne(entry, values.quick, profileDir)
    process.stderr.write(`[${entry.name}] ${record.error == null ? 'done' : 'FAILED'} in ${(record.durationMs / 1000).toFixed(1)} s\n`)
    doc.results.push(record)
  }
  process.stderr.write(`all done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)
  doc.finishedAt = new Date().toISOString()
  doc.loadAverageAtEnd = loadavg().map(l => Number(l.toFixed(2)))

  const json = JSON.stringify(doc, null, 2)
  if (values.json != null) await writeFile(values.json, json + '\n')
  process.stdout.write(json + '\n\n' + markdownTable(doc) + '\n')
  return doc.results.some(r => r.error != null) ? 1 : 0
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(code => {
    // libp2p and level keep timers and handles around after stop(); the run is over
    process.exit(code)
  }, err => {
    process.stderr.write(`bench: ${err?.message ?? err}\n`)
    process.exit(2)
  })
}
