import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cp } from 'node:fs/promises'
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
import { freeLowPort, nginxUnavailable, nginxVersionLine, startNginx, type Nginx } from '../fixtures/nginx.ts'

const SECRET_PATH = '/a-secret-path-no-probe-guesses'

const skip = nginxUnavailable() ?? false
if (skip !== false) console.log(`# skipped: ${skip}`)

async function listen (server: net.Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

describe('the decoy site answers probes exactly as a stock nginx does', { skip }, () => {
  let dir: string
  let nginx: Nginx | undefined
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
    nginx = await startNginx(dir, decoyNginxConfig({
      root,
      listen: [{ host: '127.0.0.1', port: nginxHttp }, { host: '127.0.0.1', port: nginxHttps, tls: true }],
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
      tempDir: dir,
      user: process.getuid?.() === 0 ? userInfo().username : undefined
    }), [nginxHttp, nginxHttps])

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
    await nginx?.stop()
    decoyHttp?.closeAllConnections()
    decoyHttps?.closeAllConnections()
    await Promise.all([decoyHttp, decoyHttps].map(async s => await new Promise(resolve => s == null ? resolve(null) : s.close(resolve))))
    if (dir != null) await removeDir(dir)
  })

  it('the reference is the nginx the decoy imitates', () => {
    assert.match(nginxVersionLine(), new RegExp(DECOY_SERVER_TOKEN.replace('.', '\\.')))
  })

  it('gives the same transcript over plain HTTP and over TLS, probe by probe', async () => {
    // a fixed seed, so a run can be replayed; PROBE_SEED tries others (9, 23 and 226 start the
    // random bytes with 'H', a TLS record byte and CR: edge cases for a parser)
    const values = probeValues(Number(process.env.PROBE_SEED ?? 23))
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
