import assert from 'node:assert/strict'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cp, writeFile } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import { userInfo } from 'node:os'
import type { Duplex } from 'node:stream'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { attachDecoySite, decoyTlsOptions } from '../../node/net/decoy-site.ts'
import { DECOY_SERVER_TOKEN, DEFAULT_DECOY_ROOT, decoyNginxConfig } from '../../node/net/decoy-nginx-config.ts'
import { compareTranscripts, probeServer, probeValues, type ProbeTarget } from '../fixtures/prober.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import { waitFor } from '../fixtures/wait-for.ts'

const SECRET_PATH = '/a-secret-path-no-probe-guesses'

const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' })
const nginxMissing = nginxVersion.error != null
if (nginxMissing && process.env.CI != null) {
  throw new Error('nginx is not installed (apt-get install -y nginx): the decoy spec needs the reference server in CI')
}
const skip = nginxMissing ? 'nginx is not installed (apt-get install -y nginx); the decoy is not compared' : false
if (skip !== false) console.log(`# skipped: ${skip}`)

/** A free port below 32768 (nginx is run on those); loopback, so a race is unlikely. */
async function freeLowPort (): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000)
    const ok = await new Promise<boolean>(resolve => {
      const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
    })
    if (ok) return port
  }
  throw new Error('no free port below 32768')
}

async function listen (server: net.Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

async function connects (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const s = net.connect(port, '127.0.0.1').once('connect', () => { s.destroy(); resolve(true) }).once('error', () => resolve(false))
  })
}

describe('the decoy site answers probes exactly as a stock nginx does', { skip }, () => {
  let dir: string
  let nginx: ChildProcess | undefined
  let nginxLog = ''
  let nginxHttp: number
  let nginxHttps: number
  let decoyHttp: http.Server
  let decoyHttps: https.Server
  let key: string
  let cert: string

  before(async () => {
    dir = await tempDir('hyphae-decoy-')
    // nginx and the decoy must see the same files with the same mtimes.
    const root = join(dir, 'site')
    await cp(DEFAULT_DECOY_ROOT, root, { recursive: true, preserveTimestamps: true })
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=example.com'], { encoding: 'utf8' })
    assert.equal(gen.status, 0, gen.stderr)
    const { readFile } = await import('node:fs/promises')
    key = await readFile(join(dir, 'key.pem'), 'utf8')
    cert = await readFile(join(dir, 'cert.pem'), 'utf8')

    nginxHttp = await freeLowPort()
    nginxHttps = await freeLowPort()
    const conf = join(dir, 'nginx.conf')
    await writeFile(conf, decoyNginxConfig({
      root,
      listen: [{ host: '127.0.0.1', port: nginxHttp }, { host: '127.0.0.1', port: nginxHttps, tls: true }],
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
      tempDir: dir,
      user: process.getuid?.() === 0 ? userInfo().username : undefined
    }))
    nginx = spawn('nginx', ['-c', conf, '-p', dir, '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], { stdio: ['ignore', 'ignore', 'pipe'] })
    nginx.stderr?.on('data', (d: Buffer) => { nginxLog += d.toString() })
    await waitFor(async () => nginx?.exitCode == null && await connects(nginxHttp) && await connects(nginxHttps), {
      message: () => `nginx listening (log: ${nginxLog})`
    })

    decoyHttp = http.createServer()
    decoyHttps = https.createServer({ ...decoyTlsOptions(), key, cert })
    for (const server of [decoyHttp, decoyHttps]) {
      const site = attachDecoySite(server, { root })
      // As the relay's transport does: its own upgrades on the secret path, the rest to the decoy.
      server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        if (req.url === SECRET_PATH) socket.destroy()
        else site.handleUpgrade(req, socket, head)
      })
    }
    await listen(decoyHttp)
    await listen(decoyHttps)
  })

  after(async () => {
    if (nginx != null && nginx.exitCode == null) {
      const exited = new Promise(resolve => nginx?.once('exit', resolve))
      nginx.kill('SIGTERM')
      await Promise.race([exited, new Promise(resolve => setTimeout(resolve, 5_000))])
      if (nginx.exitCode == null) nginx.kill('SIGKILL')
    }
    decoyHttp?.closeAllConnections()
    decoyHttps?.closeAllConnections()
    await Promise.all([decoyHttp, decoyHttps].map(async s => await new Promise(resolve => s == null ? resolve(null) : s.close(resolve))))
    if (dir != null) await removeDir(dir)
  })

  it('the reference is the nginx the decoy imitates', () => {
    assert.match(nginxVersion.stderr, new RegExp(DECOY_SERVER_TOKEN.replace('.', '\\.')))
  })

  it('gives the same transcript over plain HTTP and over TLS, probe by probe', async () => {
    const values = probeValues(Number(process.env.PROBE_SEED ?? Date.now() % 1_000_000))
    const port = (s: net.Server): number => (s.address() as net.AddressInfo).port
    const tls = { servername: 'example.com' }
    const targets: ProbeTarget[] = [
      { host: '127.0.0.1', port: nginxHttp },
      { host: '127.0.0.1', port: port(decoyHttp) },
      { host: '127.0.0.1', port: nginxHttps, tls },
      { host: '127.0.0.1', port: port(decoyHttps), tls }
    ]
    // All four at once: the silence probe costs its 5 s once.
    const [refPlain, decoyPlain, refTls, decoyTls] = await Promise.all(targets.map(async t => await probeServer(t, values)))
    assert.ok(refPlain.find(t => t.probe === 'get-root')?.received.startsWith('HTTP/1.1 200 OK'), 'nginx served the site')
    const diff = [
      compareTranscripts(refPlain, decoyPlain, ['nginx', 'decoy']),
      compareTranscripts(refTls, decoyTls, ['nginx/tls', 'decoy/tls'])
    ].filter(d => d !== '').join('\n')
    assert.equal(diff, '', `seed ${JSON.stringify(values.randomPath)}: the decoy differs from nginx:\n${diff}`)
  })
})
