import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { socketPath } from '../../node/config.ts'
import { callRpc } from '../../cli/rpc/client.ts'
import { runCli, startCli, startProcess, type CliProcess, type CliResult } from '../cli/run-cli.ts'

const exec = promisify(execFile)

/**
 * Why network-namespace scenarios cannot run here, or undefined when they can. Under CI (root,
 * CI=true) a scenario that cannot run is a failure, never a skip.
 */
export async function labUnavailable (tools: string[] = []): Promise<string | undefined> {
  const reason = await missing(['ip', 'iptables', ...tools])
  if (reason != null && process.env.CI != null && process.env.CI !== '' && process.env.CI !== 'false') {
    throw new Error(`network-namespace scenarios cannot run under CI: ${reason}`)
  }
  return reason
}

async function missing (tools: string[]): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root for ip netns and iptables'
  for (const tool of tools) {
    try { await exec('which', [tool]) } catch { return `${tool} is not installed (.ci/run installs it; apt-get install ${tool})` }
  }
  return undefined
}

async function sh (...args: string[]): Promise<string> {
  const { stdout } = await exec(args[0], args.slice(1), { timeout: 20_000 })
  return stdout
}

export interface Host {
  name: string
  ns: string
  ip: string
  dataDir: string
  /** routed labs: the router's interface toward this host */
  link?: string
}

export type Proc = CliProcess

/**
 * Hosts in their own network namespaces, joined by a bridge in a switch namespace, on a
 * private subnet that exists only inside this lab. Traffic between hosts is cut with iptables
 * inside the hosts' namespaces. `destroy()` removes every namespace and process.
 *
 * Routed (`{ routed: true }`): each host has a link of its own to a router namespace instead,
 * so every packet between two hosts crosses the router's FORWARD chain, where a censor sits
 * (`router()` runs a command there).
 */
export class Lab {
  readonly hosts = new Map<string, Host>()
  private readonly procs: Proc[] = []
  /** every namespace made, even by a setup that failed halfway */
  private readonly namespaces: string[] = []
  private readonly id: number
  private readonly sw: string
  private root = ''

  /** starts every namespace and veth name: 'hy', or a tag of the caller's so that labs run at once do not collide */
  private readonly prefix: string

  private constructor (tag?: string) {
    this.id = (process.pid % 200) + 20
    this.prefix = tag ?? 'hy'
    this.sw = `${this.prefix}sw${this.id}`
  }

  static async create (names: string[], options: { routed?: boolean, tag?: string } = {}): Promise<Lab> {
    const lab = new Lab(options.tag)
    try {
      if (options.routed === true) await lab.setupRouted(names)
      else await lab.setup(names)
    } catch (err) {
      await lab.destroy()
      throw err
    }
    return lab
  }

  private async setup (names: string[]): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'hyphae-lab-'))
    await sh('ip', 'netns', 'add', this.sw)
    this.namespaces.push(this.sw)
    await sh('ip', 'netns', 'exec', this.sw, 'ip', 'link', 'add', 'br0', 'type', 'bridge')
    await sh('ip', 'netns', 'exec', this.sw, 'ip', 'link', 'set', 'br0', 'up')
    for (const [i, name] of names.entries()) {
      const ns = `${this.prefix}${this.id}${name}`
      const outer = `${this.prefix === 'hy' ? 'hv' : this.prefix}${this.id}x${i}`
      await sh('ip', 'netns', 'add', ns)
      this.namespaces.push(ns)
      await sh('ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', `${outer}i`)
      await sh('ip', 'link', 'set', outer, 'netns', this.sw)
      await sh('ip', 'link', 'set', `${outer}i`, 'netns', ns)
      await sh('ip', 'netns', 'exec', this.sw, 'ip', 'link', 'set', outer, 'master', 'br0')
      await sh('ip', 'netns', 'exec', this.sw, 'ip', 'link', 'set', outer, 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `${outer}i`, 'name', 'eth0')
      const ip = `10.77.${this.id}.${i + 1}`
      await sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')
      // mDNS sends to 224.0.0.251 with no interface chosen: it needs a route
      await sh('ip', 'netns', 'exec', ns, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
      this.hosts.set(name, { name, ns, ip, dataDir: join(this.root, name) })
    }
  }

  private async setupRouted (names: string[]): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'hyphae-lab-'))
    await sh('ip', 'netns', 'add', this.sw)
    this.namespaces.push(this.sw)
    await sh('ip', 'netns', 'exec', this.sw, 'sysctl', '-qw', 'net.ipv4.ip_forward=1')
    await sh('ip', 'netns', 'exec', this.sw, 'ip', 'link', 'set', 'lo', 'up')
    for (const [i, name] of names.entries()) {
      const ns = `${this.prefix}${this.id}${name}`
      const outer = `${this.prefix === 'hy' ? 'hr' : this.prefix}${this.id}x${i}`
      await sh('ip', 'netns', 'add', ns)
      this.namespaces.push(ns)
      await sh('ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', `${outer}i`)
      await sh('ip', 'link', 'set', outer, 'netns', this.sw)
      await sh('ip', 'link', 'set', `${outer}i`, 'netns', ns)
      // a /30 per host: the router is .1, the host .2, nothing else is on the host's link
      const gateway = `10.79.${this.id}.${4 * i + 1}`
      const ip = `10.79.${this.id}.${4 * i + 2}`
      await sh('ip', 'netns', 'exec', this.sw, 'ip', 'addr', 'add', `${gateway}/30`, 'dev', outer)
      await sh('ip', 'netns', 'exec', this.sw, 'ip', 'link', 'set', outer, 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', `${outer}i`, 'name', 'eth0')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${ip}/30`, 'dev', 'eth0')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'eth0', 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up')
      await sh('ip', 'netns', 'exec', ns, 'ip', 'route', 'add', 'default', 'via', gateway)
      this.hosts.set(name, { name, ns, ip, dataDir: join(this.root, name), link: outer })
    }
  }

  /** Runs a command in the router's namespace (routed labs): iptables there is the censor. */
  async router (...args: string[]): Promise<string> {
    return sh('ip', 'netns', 'exec', this.sw, ...args)
  }

  /** Runs a command in a host's namespace. */
  async inHost (name: string, ...args: string[]): Promise<string> {
    return sh('ip', 'netns', 'exec', this.host(name).ns, ...args)
  }

  host (name: string): Host {
    const host = this.hosts.get(name)
    if (host == null) throw new Error(`no host ${name}`)
    return host
  }

  /** The host's TCP listen address on a fixed port, so invites stay valid across restarts. */
  listen (name: string, port = 4001): string {
    return `/ip4/${this.host(name).ip}/tcp/${port}`
  }

  /** Runs `hyphae ARGS` inside the host's namespace with its data dir; the lab stops it. */
  spawn (name: string, args: string[], env: Record<string, string> = {}): Proc {
    const host = this.host(name)
    const proc = startCli([...args, '--data-dir', host.dataDir], env, ['ip', 'netns', 'exec', host.ns])
    this.procs.push(proc)
    return proc
  }

  /** Runs another program (a proxy...) inside the host's namespace; the lab stops it. */
  spawnProgram (name: string, command: string[]): Proc {
    const proc = startProcess(['ip', 'netns', 'exec', this.host(name).ns, ...command])
    this.procs.push(proc)
    return proc
  }

  /** A one-shot command for the host's profile (from outside the namespace: the socket is a file). */
  async cli (name: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return runCli([...args, '--data-dir', this.host(name).dataDir], env)
  }

  /** Calls the host's daemon over its JSON-RPC socket (reachable from here: it is a file). */
  async rpc (name: string, method: string, params: unknown = {}): Promise<any> {
    return callRpc(socketPath(this.host(name).dataDir), method, params)
  }

  /** Drops every packet between a and b, both ways, as a censor's firewall would. */
  async block (a: string, b: string): Promise<void> {
    await this.iptables('-I', a, b)
    await this.iptables('-I', b, a)
  }

  async unblock (a: string, b: string): Promise<void> {
    await this.iptables('-D', a, b)
    await this.iptables('-D', b, a)
  }

  private async iptables (op: '-I' | '-D', on: string, peer: string): Promise<void> {
    const { ns } = this.host(on)
    const ip = this.host(peer).ip
    await sh('ip', 'netns', 'exec', ns, 'iptables', op, 'INPUT', '-s', ip, '-j', 'DROP')
    await sh('ip', 'netns', 'exec', ns, 'iptables', op, 'OUTPUT', '-d', ip, '-j', 'DROP')
  }

  async destroy (): Promise<void> {
    await Promise.allSettled(this.procs.map(async p => p.stop('SIGKILL')))
    // deleting a namespace also deletes the veth pairs in it
    for (const ns of this.namespaces.reverse()) await sh('ip', 'netns', 'del', ns).catch(() => {})
    if (this.root !== '') await rm(this.root, { recursive: true, force: true })
  }
}
