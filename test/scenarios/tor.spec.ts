import assert from 'node:assert/strict'
import { chmod, mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { parseInvite } from '../../node/invite.ts'
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
    // the test's own control connection, through the socket file, to watch tor's streams (tor
    // logs the port's listener and the socket's one by one: the first line may come alone)
    await waitFor(async () => (await stat(join(dir, 'control'))).isSocket(), { message: 'tor\'s control socket', timeout: 60_000, interval: 100 })
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

/**
 * A user's own node as an onion service, each user with a tor of their own in the lab: alice's
 * publishes her node (tor registers the service but, with no way out, never publishes it);
 * bob's is his only way out, and he asks it for alice's onion by name.
 */
describe('Tor: a user\'s node publishes an onion address in its invite, dialled through tor\'s SOCKS port (real tor and hyphae processes)', { skip: unavailable }, () => {
  let lab: Lab
  let dir: string
  let control: TorControl | undefined
  before(async () => {
    lab = await Lab.create(['onalice', 'onbob'])
    dir = await tempDir('hyphae-tor-user-')
    await chmod(dir, 0o700)
  })
  after(async () => {
    control?.close()
    await lab?.destroy()
    await removeDir(dir)
  })

  const startTor = async (host: string, more: string[]): Promise<void> => {
    const data = join(dir, host)
    await mkdir(data, { mode: 0o700 })
    const tor = lab.spawnProgram(host, ['tor', '--DataDirectory', data, '--CookieAuthentication', '1', '--Log', 'notice stdout', ...more])
    await waitForLine(tor, /Opened Control listener/, 60_000)
  }

  it('alice\'s node publishes itself, keeps the address, puts it in her invite, and bob (--proxy) asks tor for it', { timeout: 300_000 }, async () => {
    await startTor('onalice', ['--ControlPort', '127.0.0.1:9051', '--SocksPort', '127.0.0.1:9050'])
    await startTor('onbob', ['--ControlSocket', join(dir, 'bob-control'), '--SocksPort', '127.0.0.1:9050'])
    control = await TorControl.connect({ path: join(dir, 'bob-control') })
    const streams: string[] = []
    control.onEvent = line => { if (line.startsWith('STREAM ')) streams.push(line) }
    await control.command('SETEVENTS STREAM')

    // every packet alice's host sends on the lab's network is counted: with --proxy, there is none
    await lab.inHost('onalice', 'iptables', '-A', 'OUTPUT', '-o', 'eth0', '-j', 'ACCEPT')
    // a peer on the lab's LAN to start from: without --proxy, alice would dial it directly
    const lanPeer = `/ip4/${lab.host('onbob').ip}/tcp/4001/p2p/12D3KooWJMz75A2psXfuA6pmwYHKu2uxZqcbgaEqSif5SDhEqH6w`
    const args = ['--no-mdns', '--bootstrap', lanPeer, '--onion', '127.0.0.1:9051', '--proxy', 'socks5://127.0.0.1:9050']
    const alice = await startNode(lab, 'onalice', args)
    const onionOf = (addresses: string[]): string | undefined => addresses.map(a => /^\/onion3\/([a-z2-7]{56}):443\/tls\/certhash\/[^/]+\/ws\/http-path\/[^/]+\/p2p\//.exec(a)?.[1]).find(id => id != null)
    const first = await lab.rpc('onalice', 'id')
    const serviceId = onionOf(first.addresses)
    assert.ok(serviceId != null, `alice announces an onion address: ${first.addresses.join(' ')}`)
    assert.ok(!(first.addresses as string[]).some(a => a.startsWith('/ip4/127.0.0.1/') && a.includes('/http-path/')), 'not the loopback listener tor forwards to')

    await alice.stop('SIGTERM')
    await startNode(lab, 'onalice', args)
    const again = await lab.rpc('onalice', 'id')
    assert.equal(onionOf(again.addresses), serviceId, 'the onion address survives a restart')
    const invite = await parseInvite(again.invite)
    assert.ok(invite.addrs.some(a => a.toString().startsWith(`/onion3/${serviceId}:443/`)), 'the invite carries it')

    // bob reaches the world only through his tor: adding alice, he asks it for her onion by name
    await startNode(lab, 'onbob', ['--no-mdns', '--proxy', 'socks5://127.0.0.1:9050'])
    await lab.rpc('onbob', 'contacts.add', { invite: again.invite, nickname: 'alice' })
    await lab.rpc('onbob', 'messages.send', { contact: invite.peerId.toString(), text: 'through the onion' })
    await waitFor(() => streams.some(s => s.includes(` ${serviceId}.onion:443`)), {
      message: () => `bob's tor to get a stream request for ${serviceId}.onion:443 (streams: ${streams.join(' | ') || 'none'})`,
      timeout: 120_000,
      interval: 200
    })
    console.log(`# bob's tor saw: ${streams.find(s => s.includes(serviceId))}`)
    // neither made a connection but to their tor: with --onion and --proxy, not a packet out of alice's host
    for (const host of ['onalice', 'onbob']) assert.equal((await lab.rpc(host, 'status')).connections, 0, `${host} holds no connection`)
    const counted = await lab.inHost('onalice', 'iptables', '-L', 'OUTPUT', '-v', '-n', '-x')
    const packets = Number(/^\s*(\d+)\s+\d+\s+ACCEPT\s+\S+\s+--\s+\*\s+eth0/m.exec(counted)?.[1])
    assert.equal(packets, 0, `alice's host sent nothing on the network: ${counted}`)
  })
})
