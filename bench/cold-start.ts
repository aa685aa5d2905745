/**
 * Cold start of the real binary: spawn `node bin/hyphae.js daemon --data-dir D --listen
 * /ip4/127.0.0.1/tcp/0 --no-mdns` on an existing profile and time
 *   - until its {"event":"started"} line (listening, JSON-RPC socket up), and
 *   - until a message sent through its socket (messages.send, right after "started") is stored
 *     by a known contact running in this process.
 * Two ways the binary runs: the bundle `npm install` builds (dist/hyphae.mjs, built here first
 * when it is missing or older than the sources), and the sources through tsx
 * (HYPHAE_FROM_SOURCE=1, what a developer gets between an edit and the next build). Both with
 * node's compile cache, which bin/hyphae.js enables.
 * Baseline: a process that starts one bare libp2p node (bench/bare-process.ts, loaded through
 * tsx like the binary from source) until it prints its "started" line. For scale, a bare
 * `node -e` is also timed. The four alternate sample by sample.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { join } from 'node:path'
import { createNetwork, removeDir, tempDir } from '../test/fixtures/index.ts'
import { JsonLineChild, ROOT } from './child.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { round, summarize, type Summary } from './stats.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'
import type { MessageRecord } from '../node/messenger.ts'

const START_TIMEOUT = 60_000
const isStarted = (v: any): boolean => v?.event === 'started'

/** One JSON-RPC call on the daemon's socket. */
async function rpc (path: string, method: string, params: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let buffer = ''
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`${method}: no answer`)) }, 30_000)
    socket.setEncoding('utf8')
    socket.on('connect', () => { socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) + '\n') })
    socket.on('data', (chunk: string) => {
      buffer += chunk
      const nl = buffer.indexOf('\n')
      if (nl === -1) return
      clearTimeout(timer)
      socket.end()
      const msg = JSON.parse(buffer.slice(0, nl))
      if (msg.error != null) reject(new Error(`${method}: ${msg.error.message}`))
      else resolve(msg.result)
    })
    socket.on('error', err => { clearTimeout(timer); reject(err) })
  })
}

type Path = 'bundle' | 'source'

function daemon (dataDir: string, path: Path): JsonLineChild {
  return new JsonLineChild(process.execPath, ['bin/hyphae.js', 'daemon', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], {
    env: { ...process.env, HYPHAE_PASSPHRASE: '', HYPHAE_FROM_SOURCE: path === 'source' ? '1' : '0' }
  })
}

/**
 * What bin/hyphae.js runs for the bundle samples (it says so on stderr under HYPHAE_DEBUG).
 * They set HYPHAE_FROM_SOURCE=0, so that a source edited by someone else during the run does
 * not send them to the sources: they run the bundle built at the start.
 */
function binRuns (): string {
  const run = spawnSync(process.execPath, ['bin/hyphae.js', '--version'], { cwd: ROOT, env: { ...process.env, HYPHAE_DEBUG: '1', HYPHAE_FROM_SOURCE: '0' }, encoding: 'utf8' })
  return run.stderr.trim()
}

/** Builds dist/hyphae.mjs unless it is up to date, and checks that bin/hyphae.js runs it. */
function ensureBundle (log: (line: string) => void): void {
  const built = execFileSync(process.execPath, ['scripts/build.js', '--if-stale'], { cwd: ROOT }).toString().trim()
  if (built !== '') log(built)
  const runs = binRuns()
  if (!runs.includes('dist/hyphae.mjs')) throw new Error(`bin/hyphae.js does not run the bundle: ${runs}`)
}

/** Resolves when `node` stores an incoming message with this body. */
async function stored (node: HyphaeMessenger, body: string, timeoutMs = 30_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { node.removeEventListener('message', onMessage); reject(new Error('the message never arrived')) }, timeoutMs)
    const onMessage = (evt: CustomEvent<MessageRecord>): void => {
      if (evt.detail.direction !== 'in' || evt.detail.body !== body) return
      clearTimeout(timer)
      node.removeEventListener('message', onMessage)
      resolve(performance.now())
    }
    node.addEventListener('message', onMessage)
  })
}

async function hyphaeOnce (dataDir: string, contact: HyphaeMessenger, i: number, path: Path): Promise<{ listen: number, firstMessage: number }> {
  const child = daemon(dataDir, path)
  try {
    const started = await child.next(isStarted, START_TIMEOUT)
    const body = `cold start ${path} ${i} ${Date.now()}`
    const arrived = stored(contact, body)
    await rpc(started.value.socket, 'messages.send', { contact: 'receiver', text: body })
    return { listen: started.at - child.spawnedAt, firstMessage: (await arrived) - child.spawnedAt }
  } finally {
    await child.stop()
  }
}

async function bareOnce (): Promise<number> {
  const child = new JsonLineChild(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'bare-process.ts')])
  try {
    return (await child.next(isStarted, START_TIMEOUT)).at - child.spawnedAt
  } finally {
    await child.stop()
  }
}

async function nodeOnce (): Promise<number> {
  const child = new JsonLineChild(process.execPath, ['-e', 'process.stdout.write(JSON.stringify({ event: "started" }) + "\\n")'])
  try {
    return (await child.next(isStarted, START_TIMEOUT)).at - child.spawnedAt
  } finally {
    await child.stop()
  }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const samples = ctx.quick ? 3 : 10
  const network = await createNetwork(1)
  const contact = network.nodes[0]
  const dataDir = await tempDir('hyphae-bench-cold-')
  try {
    ensureBundle(ctx.log)
    // the first start creates the identity (and fills the compile cache); not a sample
    ctx.log('preparing a profile whose contact runs in this process')
    const first = daemon(dataDir, 'bundle')
    let firstRunMs: number
    try {
      const started = await first.next(isStarted, START_TIMEOUT)
      firstRunMs = started.at - first.spawnedAt
      await rpc(started.value.socket, 'contacts.add', { invite: (await contact.id()).invite, nickname: 'receiver' })
      await contact.addContact(started.value.peerId, 'cold')
      const arrived = stored(contact, 'hello')
      await rpc(started.value.socket, 'messages.send', { contact: 'receiver', text: 'hello' })
      await arrived
    } finally {
      await first.stop()
    }
    // warms tsx's transform cache and the compile cache of the other two; not samples
    await hyphaeOnce(dataDir, contact, -1, 'source')
    await bareOnce()

    const hyphae: Array<{ listen: number, firstMessage: number }> = []
    const fromSource: Array<{ listen: number, firstMessage: number }> = []
    const bare: number[] = []
    const bareNode: number[] = []
    for (let i = 0; i < samples; i++) {
      bare.push(await bareOnce())
      hyphae.push(await hyphaeOnce(dataDir, contact, i, 'bundle'))
      fromSource.push(await hyphaeOnce(dataDir, contact, i, 'source'))
      bareNode.push(await nodeOnce())
      ctx.log(`sample ${i + 1}/${samples}: hyphae listening ${Math.round(hyphae[i].listen)} ms, first message ${Math.round(hyphae[i].firstMessage)} ms; from source ${Math.round(fromSource[i].listen)} ms, ${Math.round(fromSource[i].firstMessage)} ms; bare libp2p ${Math.round(bare[i])} ms; node -e ${Math.round(bareNode[i])} ms`)
    }
    const listen = summarize(hyphae.map(h => h.listen))
    const message = summarize(hyphae.map(h => h.firstMessage))
    const sourceListen = summarize(fromSource.map(h => h.listen))
    const sourceMessage = summarize(fromSource.map(h => h.firstMessage))
    const base = summarize(bare)
    const floor = summarize(bareNode)
    const ms = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v)]))
    return {
      figures: [
        figure({ name: 'start to listening p50', unit: 'ms', value: listen.p50, baseline: 'bare libp2p process p50', baselineValue: base.p50, better: 'lower', n: listen.n, goal: { text: '<= 1 s', check: v => v <= 1000 } }),
        figure({ name: 'start to first message stored p50', unit: 'ms', value: message.p50, baseline: 'bare libp2p process p50', baselineValue: base.p50, better: 'lower', n: message.n }),
        figure({ name: 'from source (tsx): start to listening p50', unit: 'ms', value: sourceListen.p50, baseline: 'bare libp2p process p50', baselineValue: base.p50, better: 'lower', n: sourceListen.n }),
        figure({ name: 'bare libp2p process p50', unit: 'ms', value: base.p50, baseline: 'node -e p50', baselineValue: floor.p50, better: 'lower', n: base.n })
      ],
      details: {
        samples,
        firstRunMs: Math.round(firstRunMs),
        hyphaeListenMs: ms(listen),
        hyphaeFirstMessageMs: ms(message),
        fromSourceListenMs: ms(sourceListen),
        fromSourceFirstMessageMs: ms(sourceMessage),
        bareLibp2pMs: ms(base),
        nodeEmptyMs: ms(floor),
        command: 'node bin/hyphae.js daemon --data-dir DIR --listen /ip4/127.0.0.1/tcp/0 --no-mdns',
        fromSourceCommand: 'HYPHAE_FROM_SOURCE=1 node bin/hyphae.js daemon ...'
      },
      notes: [
        'firstRunMs is the profile-creating first start (identity generation) from the bundle, not part of the samples',
        'the bare libp2p process loads through tsx: compare it with the figure from source',
        'the bundle samples run the bundle built at the start (HYPHAE_FROM_SOURCE=0), even if a source changes during the run'
      ]
    }
  } finally {
    await network.stop()
    await removeDir(dataDir)
  }
}

export const bench: Bench = {
  name: 'cold-start',
  description: 'process start to listening and to the first message stored by a contact, vs a bare libp2p process',
  tags: ['process'],
  run
}
