import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, describe, it } from 'node:test'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { defaultLogger } from '@libp2p/logger'
import { createMessenger, openProfile } from '../../node/create-node.ts'
import { parseInvite } from '../../node/invite.ts'
import { TorControl } from '../../node/net/tor-control.ts'
import { WebsiteTransport } from '../../node/net/website/transport.ts'
import { removeDir, tempDir, TEST_NODE_INIT, waitFor } from '../fixtures/index.ts'
import { startFakeSocks } from '../fixtures/socks-server.ts'
import { startLocalTor, torUnavailable, type LocalTor } from '../fixtures/tor.ts'
import { EventLog } from '../messaging/helpers.ts'

const unavailable = await torUnavailable()
if (unavailable != null) console.log(`# onion specs skipped: ${unavailable}`)

const ONION = /^\/onion3\/([a-z2-7]{56}):443\/tls\/certhash\/[^/]+\/ws\/http-path\/[A-Za-z0-9_-]+\/p2p\//

async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>(resolve => server.close(() => { resolve() }))
  return port
}

describe('a user\'s node as an onion service (Debian tor with DisableNetwork: control port only)', { skip: unavailable, timeout: 180_000 }, () => {
  let tor: LocalTor
  const dirs: string[] = []
  const dir = async (): Promise<string> => { const d = await tempDir('hyphae-onion-'); dirs.push(d); return d }
  before(async () => { tor = await startLocalTor() })
  after(async () => {
    await tor?.stop()
    for (const d of dirs) await removeDir(d)
  })

  it('publishes the node, puts the address in its invite (not the loopback target), and keeps it across restarts', async () => {
    const dataDir = await dir()
    const first = await createMessenger({ ...TEST_NODE_INIT, dataDir, onion: tor.control })
    let serviceId: string
    try {
      const id = await first.id()
      const onion = id.addresses.find(a => ONION.test(a))
      assert.ok(onion != null, `the node announces an onion address: ${id.addresses.join(' ')}`)
      serviceId = ONION.exec(onion)?.[1] as string
      const invite = await parseInvite(id.invite)
      assert.ok(invite.addrs.some(a => a.toString().startsWith(`/onion3/${serviceId}:443/`)), 'the invite carries it')
      assert.ok(!first.libp2p.getMultiaddrs().some(a => a.toString().includes('/http-path/') && !a.toString().startsWith('/onion3/')), 'the listener tor forwards to is not announced')
    } finally {
      await first.stop()
    }
    // tor withdrew the service when the node stopped: the key is free to take again
    const profile = await openProfile(dataDir)
    const key = (await profile.meta.getJSON<{ key: string }>('onion'))?.key
    await profile.db.close()
    const control = await TorControl.connect({ host: '127.0.0.1', port: tor.controlPort })
    try {
      assert.equal((await control.addOnion(443, '127.0.0.1:9', key)).serviceId, serviceId, 'the kept key is this address')
      await control.removeOnion(serviceId)
    } finally { control.close() }
    const again = await createMessenger({ ...TEST_NODE_INIT, dataDir, onion: tor.control })
    try {
      assert.ok((await again.id()).addresses.some(a => a.startsWith(`/onion3/${serviceId}:443/`)), 'the same onion address after a restart')
    } finally {
      await again.stop()
    }
  })

  it('the profile setting publishes it too; a tor that is not there is a clear error at start, and the profile opens after', async () => {
    const dataDir = await dir()
    const node = await createMessenger({ ...TEST_NODE_INIT, dataDir })
    assert.ok(!(await node.id()).addresses.some(a => a.startsWith('/onion3/')), 'no onion address unless asked')
    await assert.rejects(node.updateSettings({ onion: '127.0.0.1:99999' }), /tor's control port/)
    await assert.rejects(node.updateSettings({ onion: 9051 as unknown as string }), /tor's control port/, 'a number from JSON-RPC')
    await node.updateSettings({ onion: tor.control })
    await node.stop()
    const withSetting = await createMessenger({ ...TEST_NODE_INIT, dataDir })
    assert.ok((await withSetting.id()).addresses.some(a => ONION.test(a)), 'the setting publishes it from the next start')

    const nowhere = `127.0.0.1:${await closedPort()}`
    // a node for one command (hyphae send with no daemon) leaves the setting alone: tor or not
    await withSetting.updateSettings({ onion: nowhere })
    await withSetting.stop()
    const oneShot = await createMessenger({ ...TEST_NODE_INIT, dataDir, onion: false })
    assert.ok(!(await oneShot.id()).addresses.some(a => a.startsWith('/onion3/')), 'onion: false publishes nothing')
    await oneShot.stop()
    await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir }), /cannot reach tor's control port/, 'the setting, with tor gone, is a clear error')
    await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir, onion: nowhere }), (err: Error) => {
      assert.equal(err.name, 'TorControlError')
      assert.match(err.message, new RegExp(`cannot reach tor's control port at ${nowhere}`))
      return true
    })
    // nothing was left locked or half-written: the profile opens, with its onion key
    const profile = await openProfile(dataDir)
    try {
      assert.ok((await profile.meta.getJSON<{ key: string }>('onion'))?.key.startsWith('ED25519-V3:'))
    } finally { await profile.db.close() }
  })

  it('a tor that refuses (the address is held by another control connection) is a clear error at start', async () => {
    const dataDir = await dir()
    const node = await createMessenger({ ...TEST_NODE_INIT, dataDir, onion: tor.control })
    await node.stop()
    const profile = await openProfile(dataDir)
    const key = (await profile.meta.getJSON<{ key: string }>('onion'))?.key
    await profile.db.close()
    const squatter = await TorControl.connect({ host: '127.0.0.1', port: tor.controlPort })
    try {
      await squatter.addOnion(443, '127.0.0.1:9', key)
      await assert.rejects(createMessenger({ ...TEST_NODE_INIT, dataDir, onion: tor.control }), /tor would not publish this node's onion service: tor refused ADD_ONION: 550/)
    } finally { squatter.close() }
  })

  // tor here cannot publish the descriptor, so no stream through it ever reaches the service:
  // a SOCKS server plays tor's part, joining ID.onion:443 to the target ADD_ONION was given
  it('a contact with --proxy reaches the node at its onion address and they talk; one without a proxy passes it over', async () => {
    const alice = await createMessenger({ ...TEST_NODE_INIT, dataDir: await dir(), onion: tor.control, nickname: 'alice' })
    const aliceId = await alice.id()
    const serviceId = ONION.exec(aliceId.addresses.find(a => ONION.test(a)) ?? '')?.[1]
    assert.ok(serviceId != null)
    // the loopback port tor forwards to: the listener's own address (never announced)
    const target = ((alice.libp2p as any).components.transportManager.getAddrs() as Multiaddr[]).find(a => a.toString().startsWith('/ip4/127.0.0.1/') && a.toString().includes('/http-path/'))
    assert.ok(target != null, 'the node listens on loopback for tor')
    const port = Number(target.getComponents().find(c => c.name === 'tcp')?.value)
    const socks = await startFakeSocks((host, p) => host === `${serviceId}.onion` && p === 443 ? { host: '127.0.0.1', port } : undefined)
    const bob = await createMessenger({ dataDir: await dir(), mdns: false, proxy: socks.url, nickname: 'bob' })
    try {
      const log = new EventLog(alice)
      await bob.addContact(aliceId.invite, 'alice')
      const sent = await bob.sendMessage(alice.peerId, 'hello over the onion')
      await waitFor(() => log.messages.some(m => m.id === sent.id), { timeout: 60_000, message: () => `the message to arrive (socks saw ${socks.requests.join(' ') || 'nothing'})` })
      log.detach()
      assert.ok(socks.requests.includes(`${serviceId}.onion:443`), 'bob asked the proxy for the onion by name')
      const conn = bob.libp2p.getConnections().find(c => c.remotePeer.toString() === alice.peerId)
      assert.ok(conn?.remoteAddr.toString().startsWith(`/onion3/${serviceId}:443/`), `bob reached alice at her onion address: ${conn?.remoteAddr.toString()}`)
    } finally {
      await bob.stop()
      await alice.stop()
      await socks.close()
    }

    const onionAddr = multiaddr(`/onion3/${serviceId}:443/tls/ws/http-path/secretpath`)
    const clearAddr = multiaddr('/ip4/203.0.113.7/tcp/443/tls/ws/http-path/secretpath')
    const direct = new WebsiteTransport({ logger: defaultLogger() })
    const proxied = new WebsiteTransport({ logger: defaultLogger() }, { proxy: { host: '127.0.0.1', port: 9050 } })
    assert.deepEqual(direct.dialFilter([onionAddr, clearAddr]), [clearAddr], 'without a proxy the onion address is not dialled at all')
    assert.deepEqual(proxied.dialFilter([onionAddr, clearAddr]), [onionAddr, clearAddr])
  })
})
