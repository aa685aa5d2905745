import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { removeDir, tempDir, waitFor } from '../fixtures/index.ts'

const run = promisify(execFile)
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
const SCRIPT = join(ROOT, 'test', 'fixtures', 'mdns-node.ts')

/** Why this machine cannot run the test, or undefined when it can. */
async function netnsUnavailable (): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces need Linux, this is ${process.platform}`
  if (process.getuid?.() !== 0) return 'network namespaces need root'
  try {
    await run('ip', ['netns', 'list'])
  } catch (err: any) {
    return `\`ip netns\` is unavailable (${err.code === 'ENOENT' ? 'install iproute2' : err.message.trim()})`
  }
  return undefined
}

interface Child {
  name: string
  process: ChildProcess
  peerId?: string
  connections: Set<string>
  stderr: string
  exited?: string
}

/** Runs the mDNS node script in a namespace and follows its JSON lines. */
function startInNamespace (name: string, ns: string, dataDir: string, ip: string): Child {
  const child: Child = {
    name,
    // its own process group, so `after` can end it and anything it started, by id
    process: spawn('ip', ['netns', 'exec', ns, NODE, '--import', 'tsx', SCRIPT,
      '--data-dir', dataDir, '--listen', `/ip4/${ip}/tcp/0`, '--mdns-interval', '500', '--report', '250', '--lifetime', '90000'], {
      cwd: ROOT,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe']
    }),
    connections: new Set(),
    stderr: ''
  }
  createInterface({ input: child.process.stdout! }).on('line', line => {
    let msg: any
    try {
      msg = JSON.parse(line)
    } catch {
      return
    }
    child.peerId = msg.peerId
    if (msg.type === 'status') child.connections = new Set(msg.connections)
  })
  child.process.stderr!.on('data', (buf: Buffer) => { child.stderr = (child.stderr + buf.toString()).slice(-4000) })
  child.process.on('exit', (code, signal) => { child.exited = `exited with ${code ?? signal}` })
  return child
}

async function stopChild (child: Child): Promise<void> {
  const pid = child.process.pid
  if (pid == null || child.process.exitCode != null || child.process.signalCode != null) return
  const exited = once(child.process, 'exit')
  child.process.stdin?.end()
  try {
    process.kill(-pid, 'SIGTERM')
  } catch {}
  const timeout = AbortSignal.timeout(10_000)
  try {
    await Promise.race([exited, once(timeout, 'abort')])
  } finally {
    if (child.process.exitCode == null && child.process.signalCode == null) {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {}
    }
  }
}

describe('mDNS inside network namespaces', { timeout: 120_000 }, () => {
  const id = process.pid
  const subnet = `10.77.${id % 250}`
  const namespaces = [`hyphae-a-${id}`, `hyphae-b-${id}`]
  const veths = [`hyv${id}a`, `hyv${id}b`]
  const ips = [`${subnet}.1`, `${subnet}.2`]
  const children: Child[] = []
  const dirs: string[] = []
  let capture: ChildProcess | undefined
  let skip: string | undefined

  before(async () => {
    skip = await netnsUnavailable()
    if (skip != null) return
    for (const ns of namespaces) await run('ip', ['netns', 'add', ns])
    // one veth pair is the whole LAN between the two namespaces
    await run('ip', ['link', 'add', veths[0], 'netns', namespaces[0], 'type', 'veth', 'peer', 'name', veths[1], 'netns', namespaces[1]])
    for (let i = 0; i < 2; i++) {
      const ip = (...args: string[]): Promise<unknown> => run('ip', ['-n', namespaces[i], ...args])
      await ip('link', 'set', 'lo', 'up')
      await ip('addr', 'add', `${ips[i]}/24`, 'dev', veths[i])
      await ip('link', 'set', veths[i], 'up')
      // mDNS sends to 224.0.0.251 without naming an interface, so the kernel needs a route for it:
      // a real LAN host has its default route, this namespace only has the /24
      await ip('route', 'add', '224.0.0.0/4', 'dev', veths[i])
    }
  })

  after(async () => {
    if (capture?.exitCode == null) capture?.kill('SIGTERM')
    await Promise.allSettled(children.map(stopChild))
    // deleting a namespace deletes the veth end inside it, and so the pair
    for (const ns of namespaces) await run('ip', ['netns', 'del', ns]).catch(() => {})
    await Promise.allSettled(dirs.map(removeDir))
  })

  it('two nodes on a LAN with no other way to meet find and connect to each other, and their mDNS names neither hyphae nor them', async (t) => {
    if (skip != null) {
      console.log(`# skipping the mDNS namespace test: ${skip}`)
      t.skip(skip)
      return
    }
    // what anyone else on the LAN hears: every mDNS packet on a's link, both ways
    const captureDir = await tempDir('hyphae-mdns-capture-')
    dirs.push(captureDir)
    const pcap = join(captureDir, 'mdns.pcap')
    capture = spawn('ip', ['netns', 'exec', namespaces[0], 'tcpdump', '-i', veths[0], '-U', '-n', '-w', pcap, 'udp', 'port', '5353'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let captureLog = ''
    capture.stderr!.on('data', (buf: Buffer) => { captureLog += buf.toString() })
    await waitFor(() => captureLog.includes('listening on'), { timeout: 10_000, interval: 50, message: () => `tcpdump to start: ${captureLog}` })
    const startedAt = Date.now()
    for (let i = 0; i < 2; i++) {
      const dir = await tempDir(`hyphae-mdns${i}-`)
      dirs.push(dir)
      children.push(startInNamespace(`node ${i} in ${namespaces[i]}`, namespaces[i], dir, ips[i]))
    }
    const [a, b] = children
    const alive = (): void => {
      for (const c of children) if (c.exited != null) assert.fail(`${c.name} ${c.exited}; stderr: ${c.stderr}`)
    }

    await waitFor(() => { alive(); return a.peerId != null && b.peerId != null }, {
      timeout: 30_000,
      interval: 100,
      message: 'both child nodes to start and print their peer ids'
    })
    assert.notEqual(a.peerId, b.peerId)

    await waitFor(() => {
      alive()
      return a.connections.has(b.peerId!) && b.connections.has(a.peerId!)
    }, {
      timeout: 30_000,
      interval: 100,
      message: () => `each namespace's node to report the other as connected (a sees ${[...a.connections].join(',') || 'nobody'}, b sees ${[...b.connections].join(',') || 'nobody'})`
    })
    // reported, not asserted: includes both processes' start-up
    console.log(`# the two nodes found and connected to each other ${((Date.now() - startedAt) / 1000).toFixed(1)} s after start`)

    // both nodes' answers are on the wire (b's lists its address), and neither says what it is or who
    const heard = (): Promise<Buffer> => readFile(pcap).catch(() => Buffer.alloc(0))
    await waitFor(async () => (await heard()).includes(`dnsaddr=/ip4/${ips[1]}/`), { timeout: 10_000, interval: 100, message: 'b\'s mDNS answer in the capture' })
    capture!.kill('SIGTERM')
    await once(capture!, 'exit')
    const packets = await heard()
    assert.ok(packets.includes(`dnsaddr=/ip4/${ips[0]}/`), 'a\'s own mDNS answer in the capture')
    assert.ok(!packets.toString('latin1').toLowerCase().includes('hyphae'), 'an mDNS packet names hyphae')
    for (const peer of [a.peerId!, b.peerId!]) {
      const id = peerIdFromString(peer)
      assert.ok(!packets.includes(peer), `an mDNS packet carries the peer id ${peer}`)
      assert.ok(!packets.includes(Buffer.from(id.toMultihash().bytes)), `an mDNS packet carries ${peer} as bytes`)
      assert.ok(!packets.includes(Buffer.from(id.publicKey!.raw)), `an mDNS packet carries ${peer}'s public key`)
    }
  })
})
