import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { INBOUND_LIMITS, PROTECTED_TAGS } from '../../node/net/peer-protection.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'

const FLOOD = 500
/** dials in flight at once: what one attacking host would keep going */
const WAVE = 50

/** `count` fresh identities, each a bare libp2p node, dialling `target`; each keeps what it gets. */
async function flood (target: Multiaddr, count: number, nodes: Libp2p[]): Promise<number> {
  let accepted = 0
  for (let i = 0; i < count; i += WAVE) {
    const wave = await Promise.all(Array.from({ length: Math.min(WAVE, count - i) }, async () => createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })))
    nodes.push(...wave)
    const results = await Promise.allSettled(wave.map(async node => node.dial(target, { signal: AbortSignal.timeout(10_000) })))
    accepted += results.filter(r => r.status === 'fulfilled').length
  }
  return accepted
}

describe('a contact stays connected through a 500-identity connection flood (real TCP)', { timeout: 300_000 }, () => {
  let network: Network
  const attackers: Libp2p[] = []

  before(async () => {
    // the victim listens on IPv4 and IPv6 loopback: the flood comes over one, its contact the
    // other, as two networks would; loopback counts here like any network
    network = await createNetwork(2, { init: i => i === 0 ? { listen: ['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0'], inboundLimits: { loopback: true } } : {} })
  })
  after(async () => {
    for (let i = 0; i < attackers.length; i += WAVE) await Promise.allSettled(attackers.slice(i, i + WAVE).map(async a => a.stop()))
    await network?.stop()
  })

  it('the contact keeps its connection, can come back mid-flood, and the flood holds few slots', async () => {
    const [victim, contact] = network.nodes
    await victim.addContact((await contact.id()).invite)
    await contact.addContact((await victim.id()).invite)
    const ipv4 = victim.libp2p.getMultiaddrs().find(a => a.toString().startsWith('/ip4/127.0.0.1/tcp/'))
    const ipv6 = victim.libp2p.getMultiaddrs().find(a => a.toString().startsWith('/ip6/::1/tcp/'))
    assert.ok(ipv4 != null && ipv6 != null, 'the victim listens on both')
    await contact.libp2p.dial(ipv6)
    await waitFor(async () => (await victim.libp2p.peerStore.get(contact.libp2p.peerId)).tags.has(PROTECTED_TAGS.contact.tag), { message: 'the contact tagged' })

    const accepted = await flood(ipv4, FLOOD / 2, attackers)
    // the contact's link drops (a phone changes cell) and it comes back while the flood goes on
    await contact.libp2p.hangUp(victim.libp2p.peerId)
    await waitFor(() => victim.libp2p.getConnections(contact.libp2p.peerId).length === 0, { message: 'the contact gone' })
    await contact.libp2p.dial(ipv6, { signal: AbortSignal.timeout(10_000) })
    const acceptedLater = await flood(ipv4, FLOOD / 2, attackers)

    await waitFor(() => victim.libp2p.getConnections(contact.libp2p.peerId).some(c => c.status === 'open'), { message: 'the contact connected after the flood' })
    const fromFlood = victim.libp2p.getConnections().filter(c => c.direction === 'inbound' && c.remoteAddr.toString().startsWith('/ip4/127.0.0.1/'))
    assert.ok(fromFlood.length <= INBOUND_LIMITS.narrow, `${fromFlood.length} flood connections held (${accepted + acceptedLater} dials went through)`)
  })
})
