import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cp } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DEFAULT_DECOY_ROOT, decoyNginxConfig } from '../../node/net/decoy-nginx-config.ts'
import { secretLocation } from '../../node/net/website/nginx-config.ts'
import { socketPath } from '../../node/config.ts'
import { callRpc } from '../../cli/rpc/client.ts'
import { startCli, waitForLine, type CliProcess } from '../cli/run-cli.ts'
import { freeLowPort, nginxUnavailable, startNginx, type Nginx } from '../fixtures/nginx.ts'
import { compareTranscripts, probeServer, probeValues, type ProbeTarget } from '../fixtures/prober.ts'
import { removeDir, tempDir, waitFor } from '../fixtures/index.ts'

const skip = nginxUnavailable() ?? false
if (skip !== false) console.log(`# website relay specs skipped: ${skip}`)

const NAME = 'example.com'

/** Real `hyphae` processes on loopback; each is stopped in `after`. */
class Processes {
  private readonly procs: CliProcess[] = []
  constructor (readonly dir: string) {}

  async start (name: string, args: string[]): Promise<CliProcess> {
    const proc = startCli([...args, '--data-dir', join(this.dir, name), '--no-mdns'])
    this.procs.push(proc)
    await waitForLine(proc, /"event":"started"/, 60_000)
    return proc
  }

  async rpc (name: string, method: string, params: unknown = {}): Promise<any> {
    return callRpc(socketPath(join(this.dir, name)), method, params)
  }

  async stop (): Promise<void> {
    await Promise.allSettled(this.procs.map(async p => p.stop('SIGTERM')))
  }
}

function lineOf (proc: CliProcess): string {
  const line = /"event":"(?:relay-line|bridge)","line":"([^"]+)"/.exec(proc.output())?.[1]
  assert.ok(line != null, `the relay logs its line: ${proc.output()}`)
  return line
}

describe('a relay that is a website (real hyphae and nginx processes on loopback)', { skip }, () => {
  let dir: string
  let site: string
  let procs: Processes
  const nginxes: Nginx[] = []
  const user = process.getuid?.() === 0 ? userInfo().username : undefined

  before(async () => {
    dir = await tempDir('hyphae-website-')
    procs = new Processes(dir)
    // the relay and the reference nginx serve the same files with the same mtimes
    site = join(dir, 'site')
    await cp(DEFAULT_DECOY_ROOT, site, { recursive: true, preserveTimestamps: true })
  })

  after(async () => {
    await procs?.stop()
    await Promise.allSettled(nginxes.map(async n => n.stop()))
    if (dir != null) await removeDir(dir)
  })

  it('hyphae relay --website answers a prober exactly as nginx with the same site and certificate does', { timeout: 120_000 }, async () => {
    const port = await freeLowPort()
    const relay = await procs.start('relay-tls', ['relay', '--website', `127.0.0.1:${port}`, '--tls-name', NAME, '--site', site, '--bridge'])
    assert.match(lineOf(relay), /^hyphae:\/\/relay\//)
    const refPort = await freeLowPort()
    const tlsDir = join(dir, 'relay-tls', 'website')
    nginxes.push(await startNginx(dir, decoyNginxConfig({
      root: site, listen: [{ host: '127.0.0.1', port: refPort, tls: true }], certFile: join(tlsDir, 'cert.pem'), keyFile: join(tlsDir, 'key.pem'), tempDir: dir, user
    }), [refPort]))
    const values = probeValues(23, NAME)
    const target = (p: number): ProbeTarget => ({ host: '127.0.0.1', port: p, tls: { servername: NAME } })
    const [reference, hyphae] = await Promise.all([probeServer(target(refPort), values), probeServer(target(port), values)])
    assert.ok(reference.find(t => t.probe === 'get-root')?.received.startsWith('HTTP/1.1 200 OK'), 'nginx served the site')
    const diff = compareTranscripts(reference, hyphae, ['nginx', 'hyphae relay'])
    assert.equal(diff, '', `the relay differs from nginx:\n${diff}`)
  })

  it('behind a stock nginx holding the certificate: chat flows through it, and the secret path without an upgrade is nginx\'s 404', { timeout: 240_000 }, async () => {
    const [relayPort, nginxPort, refPort] = [await freeLowPort(), await freeLowPort(), await freeLowPort()]
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'nginx-key.pem'), '-out', join(dir, 'nginx-cert.pem'), '-days', '2', '-subj', `/CN=${NAME}`], { encoding: 'utf8' })
    assert.equal(gen.status, 0, gen.stderr)
    const relay = await procs.start('relay-proxied', ['relay', '--website', `127.0.0.1:${relayPort}`, '--behind-proxy',
      '--public-address', `127.0.0.1:${nginxPort}`, '--tls-name', NAME, '--tls-cert', join(dir, 'nginx-cert.pem')])
    const secret = (await procs.rpc('relay-proxied', 'id')).addresses[0].match(/\/http-path\/([^/]+)/)[1]
    const tls = { certFile: join(dir, 'nginx-cert.pem'), keyFile: join(dir, 'nginx-key.pem'), tempDir: dir, user, root: site }
    nginxes.push(await startNginx(dir, decoyNginxConfig({ ...tls, listen: [{ host: '127.0.0.1', port: nginxPort, tls: true }], extraLocations: secretLocation(secret, `127.0.0.1:${relayPort}`) }), [nginxPort]))
    nginxes.push(await startNginx(dir, decoyNginxConfig({ ...tls, listen: [{ host: '127.0.0.1', port: refPort, tls: true }] }), [refPort]))

    const line = lineOf(relay)
    for (const name of ['alice', 'bob']) {
      await procs.start(name, ['daemon', '--censored', '--listen', '/ip4/127.0.0.1/tcp/0'])
      await procs.rpc(name, 'relays.add', { line })
    }
    const invites = await Promise.all(['alice', 'bob'].map(async name => waitFor(async () => {
      const id = await procs.rpc(name, 'id')
      return id.addresses.some((a: string) => a.includes(`/tcp/${nginxPort}/`) && a.includes('/p2p-circuit/')) ? id.invite : undefined
    }, { message: `${name} holds a slot on the relay through nginx`, timeout: 60_000, interval: 500 })))
    await procs.rpc('alice', 'contacts.add', { invite: invites[1], nickname: 'bob' })
    await procs.rpc('bob', 'contacts.add', { invite: invites[0], nickname: 'alice' })
    const sent = await procs.rpc('alice', 'messages.send', { contact: 'bob', text: 'through nginx' })
    await waitFor(async () => (await procs.rpc('bob', 'messages.list', { contact: 'alice' })).some((m: any) => m.id === sent.id),
      { message: 'bob got alice\'s message through the nginx-fronted relay', timeout: 120_000, interval: 500 })
    const reply = await procs.rpc('bob', 'messages.send', { contact: 'alice', text: 'and back' })
    await waitFor(async () => (await procs.rpc('alice', 'messages.list', { contact: 'bob' })).some((m: any) => m.id === reply.id),
      { message: 'alice got bob\'s reply', timeout: 120_000, interval: 500 })

    // a prober that even guessed the path gets what the same nginx without a relay gives
    const values = { ...probeValues(9, NAME), randomPath: `/${secret as string}` }
    const target = (p: number): ProbeTarget => ({ host: '127.0.0.1', port: p, tls: { servername: NAME } })
    const [reference, fronted] = await Promise.all([probeServer(target(refPort), values), probeServer(target(nginxPort), values)])
    assert.match(fronted.find(t => t.probe === 'get-random-path')?.received ?? '', /^HTTP\/1\.1 404 Not Found/)
    // a WebSocket upgrade on the secret path is the one thing that reaches the relay, by design
    const upgradesOnPath = new Set(['websocket-random-path', 'websocket-then-get'])
    const notUpgrades = (list: typeof reference): typeof reference => list.filter(t => !upgradesOnPath.has(t.probe))
    const diff = compareTranscripts(notUpgrades(reference), notUpgrades(fronted), ['nginx', 'nginx + relay'])
    assert.equal(diff, '', `the nginx in front of the relay differs from a plain one:\n${diff}`)
  })
})
