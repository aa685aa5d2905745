import assert from 'node:assert/strict'
import { chmod, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { parseRelayLine } from '../../node/net/relay-list.ts'
import { TorControl } from '../../node/net/tor-control.ts'
import { removeDir, tempDir, waitFor } from '../fixtures/index.ts'
import { waitForLine } from '../cli/run-cli.ts'
import { startNode } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable(['tor'])
if (unavailable != null) console.log(`# tor scenario skipped: ${unavailable}`)

const ONION_LINE = /"event":"relay-line","line":"([^"]+)","address":"(\/onion3\/([a-z2-7]{56}):443\/[^"]+)"/

/**
 * Debian's tor in the lab: it cannot reach the Tor network (the lab has no way out), so an onion
 * service is registered but never published, and a stream to one never opens. What is tested
 * is hyphae's side: ADD_ONION over the control port, the onion address in the relay line, and a
 * node with --proxy asking tor's SOCKS port for the onion by name.
 */
describe('Tor: an onion relay line, dialled through tor\'s SOCKS port (real tor and hyphae processes)', { skip: unavailable }, () => {
  let lab: Lab
  let dir: string
  let control: TorControl | undefined
  before(async () => {
    lab = await Lab.create(['relay', 'alice'])
    // tor wants its control socket's directory private
    dir = await tempDir('hyphae-tor-')
    await chmod(dir, 0o700)
  })
  after(async () => {
    control?.close()
    await lab?.destroy()
    await removeDir(dir)
  })

  it('a relay publishes its website as an onion service, keeps the address, and a proxied node asks tor for it by name', { timeout: 300_000 }, async () => {
    const relayIp = lab.host('relay').ip
    const data = join(dir, 'data')
    await mkdir(data, { mode: 0o700 })
    const tor = lab.spawnProgram('relay', ['tor', '--DataDirectory', data, '--ControlPort', '127.0.0.1:9051', '--ControlSocket', join(dir, 'control'),
      '--CookieAuthentication', '1', '--SocksPort', `${relayIp}:9050`, '--SocksPolicy', 'accept *', '--Log', 'notice stdout'])
    await waitForLine(tor, /Opened Control listener/, 60_000)
    await waitForLine(tor, /Opened Socks listener/, 60_000)
    // the test's own control connection, through the socket file, to watch tor's streams
    control = await TorControl.connect({ path: join(dir, 'control') })
    const streams: string[] = []
    control.onEvent = line => { if (line.startsWith('STREAM ')) streams.push(line) }
    await control.command('SETEVENTS STREAM')

    const args = ['relay', '--website', '127.0.0.1:8443', '--tls-name', 'www.example.org', '--no-mdns', '--onion', '127.0.0.1:9051']
    let relay = await startNode(lab, 'relay', args)
    const first = ONION_LINE.exec(await waitForLine(relay, ONION_LINE, 30_000))
    assert.ok(first != null)
    const [, line, address, serviceId] = first
    assert.equal(parseRelayLine(line).toString(), multiaddr(address).toString(), 'the relay line holds the onion address')
    assert.match(address, /\/tls\/sni\/www\.example\.org\/certhash\/[^/]+\/ws\/http-path\/[^/]+\/p2p\//, 'the onion address pins the certificate and names the secret path')
    const relayId = (await lab.rpc('relay', 'id'))
    assert.ok(relayId.addresses.some((a: string) => a.startsWith(`/onion3/${serviceId}:443/`)), `the relay announces the onion address: ${relayId.addresses.join(' ')}`)

    // the key is kept: the same address after a restart
    await relay.stop('SIGTERM')
    relay = await startNode(lab, 'relay', args)
    assert.equal(ONION_LINE.exec(await waitForLine(relay, ONION_LINE, 30_000))?.[3], serviceId, 'the onion address survives a restart')

    // alice reaches the world only through tor: she asks its SOCKS port for the onion, by name
    await startNode(lab, 'alice', ['--no-mdns', '--proxy', `socks5://${relayIp}:9050`])
    await lab.rpc('alice', 'relays.add', { line })
    await waitFor(() => streams.some(s => s.includes(` ${serviceId}.onion:443`)), {
      message: () => `tor to get a stream request for ${serviceId}.onion:443 (streams: ${streams.join(' | ') || 'none'})`,
      timeout: 60_000,
      interval: 200
    })
    console.log(`# tor saw: ${streams.find(s => s.includes(serviceId))}`)
  })
})
