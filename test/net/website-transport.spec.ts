import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import https from 'node:https'
import { noise } from '@chainsafe/libp2p-noise'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { byteStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { selfSignedCertificate, type TlsCertificate } from '../../node/net/website/certificate.ts'
import { websiteTransport } from '../../node/net/website/transport.ts'
import { isTlsFirst, parseWebsiteAddress } from '../../node/net/website/address.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'

/** What a DPI box looks for; none may cross the wire in the clear, either way. */
const SIGNATURES = ['/multistream/', '/noise', '/yamux/', '/ipfs/', '/libp2p/', '/hyphae/', 'p2p']

/** A TCP hop that records every byte both ways, as a censor's tap sees them. */
async function tap (target: number): Promise<{ port: number, up: Buffer[], down: Buffer[], close: () => Promise<void> }> {
  const up: Buffer[] = []
  const down: Buffer[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer(client => {
    const upstream = net.connect(target, '127.0.0.1')
    sockets.add(client); sockets.add(upstream)
    client.on('data', d => { up.push(d); upstream.write(d) })
    upstream.on('data', d => { down.push(d); client.write(d) })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.on('error', () => {}); upstream.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    up,
    down,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}

async function node (certificate?: TlsCertificate, listen: string[] = []): Promise<Libp2p<{ ping: any }>> {
  return createLibp2p({
    addresses: { listen },
    transports: [websiteTransport({ certificate })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() }
  })
}

describe('website transport', () => {
  let dir: string
  let cert: TlsCertificate
  let server: Libp2p<{ ping: any }>
  let client: Libp2p<{ ping: any }>
  let port: number
  const secret = 'kY3v9xQ2'

  before(async () => {
    dir = await tempDir()
    cert = await selfSignedCertificate(dir, 'www.example.org')
    server = await node(cert, [`/ip4/127.0.0.1/tcp/0/tls/ws/http-path/${secret}`])
    client = await node()
    port = parseWebsiteAddress(server.getMultiaddrs()[0])!.port
  })

  after(async () => {
    await client?.stop()
    await server?.stop()
    await removeDir(dir)
  })

  const address = (p: number, extra = `/certhash/${cert.certhash}`, path = secret): ReturnType<typeof multiaddr> =>
    multiaddr(`/ip4/127.0.0.1/tcp/${p}/tls/sni/www.example.org${extra}/ws/http-path/${path}/p2p/${server.peerId.toString()}`)

  it('listens with its path and announces it', () => {
    const addrs = server.getMultiaddrs().map(a => a.toString())
    assert.ok(addrs.length > 0)
    for (const a of addrs) assert.match(a, new RegExp(`/tls/ws/http-path/${secret}/p2p/`))
    assert.ok(isTlsFirst(server.getMultiaddrs()[0]))
  })

  it('carries libp2p inside TLS: the first bytes are a ClientHello and no libp2p string crosses the wire', async () => {
    const hop = await tap(port)
    try {
      const ma = address(hop.port)
      const rtt = await client.services.ping.ping(ma)
      assert.ok(rtt >= 0)
      const up = Buffer.concat(hop.up)
      const down = Buffer.concat(hop.down)
      // TLS record header: handshake (22), version 3.x, then a handshake of type 1 (ClientHello)
      assert.equal(up[0], 0x16)
      assert.equal(up[1], 0x03)
      assert.equal(up[5], 0x01)
      assert.equal(down[0], 0x16, 'the server answers with a TLS handshake')
      for (const s of [...SIGNATURES, server.peerId.toString(), client.peerId.toString(), secret]) {
        assert.equal(up.includes(s), false, `client sent ${s} in the clear`)
        assert.equal(down.includes(s), false, `server sent ${s} in the clear`)
      }
      assert.ok(up.includes('www.example.org'), 'the SNI is the name the address gives')
    } finally {
      await client.hangUp(server.peerId)
      await hop.close()
    }
  })

  it('dials a host name (the address of a relay behind a proxy names its domain)', async () => {
    const ma = multiaddr(`/dns4/localhost/tcp/${port}/tls/sni/www.example.org/certhash/${cert.certhash}/ws/http-path/${secret}/p2p/${server.peerId.toString()}`)
    assert.ok(await client.services.ping.ping(ma) >= 0)
    await client.hangUp(server.peerId)
  })

  it('carries a write far larger than one WebSocket message, whole and in order', async () => {
    const size = 3 * 1024 * 1024 + 17
    let received = 0
    const got = new Promise<Uint8Array>((resolve, reject) => {
      void server.handle('/test/sink/1.0.0', async (stream: any) => {
        try {
          const bytes = byteStream(stream)
          const data = await bytes.read({ bytes: size, signal: AbortSignal.timeout(20_000) })
          received = data.byteLength
          resolve(data.subarray())
        } catch (err) { reject(err) }
      })
    })
    const data = new Uint8Array(size).map((_, i) => (i * 31) % 251)
    const stream = await client.dialProtocol(address(port), '/test/sink/1.0.0')
    await byteStream(stream).write(data)
    const back = await got
    assert.equal(received, size)
    assert.ok(Buffer.from(back).equals(Buffer.from(data)), 'the same bytes in the same order')
    await stream.close()
    await server.unhandle('/test/sink/1.0.0')
    await client.hangUp(server.peerId)
  })

  it('refuses a relay whose certificate is not the pinned one', async () => {
    const other = await selfSignedCertificate(dir + '/other', 'www.example.org')
    assert.notEqual(other.certhash, cert.certhash)
    await assert.rejects(client.dial(address(port, `/certhash/${other.certhash}`)), /not the one its address pins/)
  })

  it('refuses a self-signed certificate that is not pinned (a CA must vouch for it)', async () => {
    await assert.rejects(client.dial(address(port, '')), /self-signed|certificate/i)
  })

  it('gets nothing of libp2p without the secret path', async () => {
    await assert.rejects(client.dial(address(port, `/certhash/${cert.certhash}`, 'wrong')), /answered HTTP 404/)
    const status = await new Promise<number | undefined>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/', servername: 'www.example.org', rejectUnauthorized: false }, res => {
        res.resume(); resolve(res.statusCode)
      }).on('error', reject)
    })
    assert.equal(status, 404)
  })
})

describe('website addresses', () => {
  it('an onion relay line parses to ID.onion and its port, resolved by the proxy (never here)', () => {
    const id = 'vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd'
    const a = parseWebsiteAddress(multiaddr(`/onion3/${id}:443/tls/sni/www.example.org/ws/http-path/secret123`))
    assert.deepEqual({ host: a?.host, port: a?.port, family: a?.family, tls: a?.tls, sni: a?.sni, path: a?.path },
      { host: `${id}.onion`, port: 443, family: 'dns', tls: true, sni: 'www.example.org', path: '/secret123' })
    assert.ok(isTlsFirst(multiaddr(`/onion3/${id}:443/tls/ws/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8/p2p-circuit`)))
  })
})
