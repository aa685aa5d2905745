/**
 * Cold start of the real binary: spawn `node bin/hyphae.js daemon --data-dir D --listen
 * /ip4/127.0.0.1/tcp/0 --no-mdns` on an existing profile and time
 *   - until its {"event":"started"} line (listening, JSON-RPC socket up), and
 *   - until a message sent through its socket (messages.send, right after "started") is stored
 *     by a known contact running in this process.
 * Baseline: a process that starts one bare libp2p node (bench/bare-process.ts, loaded through
 * tsx like the binary) until it prints its "started" line. For scale, a bare `node -e` is also
 * timed. The three alternate sample by sample.
 */
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

function daemon (dataDir: string): JsonLineChild {
  return new JsonLineChild(process.execPath, ['bin/hyphae.js', 'daemon', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], {
    env: { ...process.env, HYPHAE_PASSPHRASE: '' }
  })
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

async function hyphaeOnce (dataDir: string, contact: HyphaeMessenger, i: number): Promise<{ listen: number, firstMessage: number }> {
  const child = daemon(dataDir)
  try {
    const started = await child.next(isStarted, START_TIMEOUT)
    const body = `cold start ${i} ${Date.now()}`
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
    // the first start creates the identity (and warms tsx's transform cache); not a sample
    ctx.log('preparing a profile whose contact runs in this process')
    const first = daemon(dataDir)
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
    await bareOnce()

    const hyphae: Array<{ listen: number, firstMessage: number }> = []
    const bare: number[] = []
    const bareNode: number[] = []
    for (let i = 0; i < samples; i++) {
      bare.push(await bareOnce())
      hyphae.push(await hyphaeOnce(dataDir, contact, i))
      bareNode.push(await nodeOnce())
      ctx.log(`sample ${i + 1}/${samples}: hyphae listening ${Math.round(hyphae[i].listen)} ms, first message ${Math.round(hyphae[i].firstMessage)} ms; bare libp2p ${Math.round(bare[i])} ms; node -e ${Math.round(bareNode[i])} ms`)
    }
    const listen = summarize(hyphae.map(h => h.listen))
    const message = summarize(hyphae.map(h => h.firstMessage))
    const base = summarize(bare)
    const floor = summarize(bareNode)
    const ms = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v)]))
    return {
      figures: [
        figure({ name: 'start to listening p50', unit: 'ms', value: listen.p50, baseline: 'bare libp2p process p50', baselineValue: base.p50, better: 'lower', n: listen.n, goal: { text: '<= 1 s', check: v => v <= 1000 } }),
        figure({ name: 'start to first message stored p50', unit: 'ms', value: message.p50, baseline: 'bare libp2p process p50', baselineValue: base.p50, better: 'lower', n: message.n }),
        figure({ name: 'bare libp2p process p50', unit: 'ms', value: base.p50, baseline: 'node -e p50', baselineValue: floor.p50, better: 'lower', n: base.n })
      ],
      details: {
        samples,
        firstRunMs: Math.round(firstRunMs),
        hyphaeListenMs: ms(listen),
        hyphaeFirstMessageMs: ms(message),
        bareLibp2pMs: ms(base),
        nodeEmptyMs: ms(floor),
        command: 'node bin/hyphae.js daemon --data-dir DIR --listen /ip4/127.0.0.1/tcp/0 --no-mdns'
      },
      notes: ['firstRunMs is the profile-creating first start (identity generation), not part of the samples']
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
