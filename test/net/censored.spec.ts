import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { censoredAnnounceFilter, censoredDialAllowed, onLink, type Link } from '../../node/net/censored.ts'
import { diagnose } from '../../node/net/doctor.ts'
import type { NodeStatus } from '../../node/messenger.ts'

const LINKS: Link[] = [
  { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4' },
  { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' }
]
const RELAY = '12D3KooWBxC1cd63Rv67yCj7Qp4EN8e9FJL1nswtiw3T6CpkXhnz'
const PEER = '12D3KooWJMz75A2psXfuA6pmwYHKu2uxZqcbgaEqSif5SDhEqH6w'
const WEBSITE = `/ip4/203.0.113.7/tcp/443/tls/sni/relay.example.org/ws/http-path/s3cretPath/p2p/${RELAY}`

describe('censored mode', () => {
  it('dials TLS-first addresses anywhere, plain ones only on its own links', () => {
    const allowed = (a: string): boolean => censoredDialAllowed(multiaddr(a), LINKS)
    assert.equal(allowed(WEBSITE), true)
    assert.equal(allowed(`/dns4/relay.example.org/tcp/443/wss/p2p/${RELAY}`), true)
    assert.equal(allowed(`${WEBSITE}/p2p-circuit/p2p/${PEER}`), true, 'a relayed address through a TLS relay')
    assert.equal(allowed(`/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), true, 'rides a connection gated when it was made')
    assert.equal(allowed(`/ip4/203.0.113.7/tcp/4001/p2p/${RELAY}`), false, 'plain TCP abroad')
    assert.equal(allowed(`/ip4/203.0.113.7/tcp/4002/ws/p2p/${RELAY}`), false, 'plain WebSocket abroad')
    assert.equal(allowed(`/ip4/203.0.113.7/tcp/4001/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), false, 'a relayed address through a plain relay')
    assert.equal(allowed(`/ip4/10.0.0.9/tcp/4001/p2p/${PEER}`), false, 'a private address that is not on a link of ours crosses a router')
    assert.equal(allowed(`/ip4/192.168.1.77/tcp/4001/p2p/${PEER}`), true, 'the LAN')
    assert.equal(allowed(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`), true, 'loopback')
  })

  it('knows its links', () => {
    assert.equal(onLink('192.168.1.254', LINKS), true)
    assert.equal(onLink('192.168.2.1', LINKS), false)
    assert.equal(onLink('fe80::1', LINKS), true)
    assert.equal(onLink('2001:db8::1', LINKS), false)
  })

  it('announces only relayed and TLS addresses', () => {
    const kept = censoredAnnounceFilter([
      multiaddr('/ip4/192.168.1.20/tcp/4001'),
      multiaddr('/ip4/192.168.1.20/tcp/4002/ws'),
      multiaddr(`${WEBSITE}/p2p-circuit`),
      multiaddr('/ip4/192.168.1.20/tcp/443/tls/ws/http-path/s3cretPath')
    ]).map(a => a.toString())
    assert.deepEqual(kept, [`${WEBSITE}/p2p-circuit`, '/ip4/192.168.1.20/tcp/443/tls/ws/http-path/s3cretPath'])
  })
})

describe('doctor on a network that reads the traffic', () => {
  const status = (peers: string[], stalled = 0): NodeStatus => ({
    peerId: PEER, nickname: '', connections: peers.length, peers: peers.map(p => ({ peerId: p, address: WEBSITE, direction: 'outbound' })),
    listenAddresses: [], reachability: 'via-relay', dht: { mode: 'client', routingTableSize: 1 }, knownPeers: 1, stalledConnectionsClosed: stalled, stallDetectionsMs: []
  } as unknown as NodeStatus)
  const libp2p = (tlsConnections: number): any => ({
    getMultiaddrs: () => [],
    getConnections: () => Array.from({ length: tlsConnections }, () => ({ remoteAddr: multiaddr(WEBSITE) }))
  })
  const plainBootstrap = `/ip4/198.51.100.1/tcp/4001/p2p/${PEER.replace('J', 'K')}`

  it('suggests --censored when plain bootstrap peers fail while TLS connections work', () => {
    const report = diagnose(libp2p(1), status([RELAY]), { bootstrap: [plainBootstrap, WEBSITE], mdns: false }, 0)
    assert.ok(report.advice.some(a => a.includes('--censored')), report.advice.join('\n'))
    assert.equal(report.censored, false)
  })

  it('says nothing of it when plain peers answer, or when already censored', () => {
    const fine = diagnose(libp2p(0), status([RELAY]), { bootstrap: [`/ip4/198.51.100.1/tcp/4001/p2p/${RELAY}`], mdns: false }, 0)
    assert.equal(fine.advice.some(a => a.includes('--censored')), false, fine.advice.join('\n'))
    const already = diagnose(libp2p(1), status([RELAY]), { bootstrap: [plainBootstrap, WEBSITE], mdns: false, censored: true }, 0)
    assert.equal(already.advice.some(a => a.includes('Run with --censored')), false)
    assert.equal(already.censored, true)
  })

  it('says when connections stopped delivering and were closed', () => {
    const report = diagnose(libp2p(1), status([RELAY], 2), { bootstrap: [WEBSITE], mdns: false, censored: true }, 0)
    assert.equal(report.stalledConnectionsClosed, 2)
    assert.ok(report.advice.some(a => a.startsWith('2 connection(s) stopped delivering')), report.advice.join('\n'))
    const calm = diagnose(libp2p(1), status([RELAY]), { bootstrap: [WEBSITE], mdns: false, censored: true }, 0)
    assert.equal(calm.advice.some(a => a.includes('stopped delivering')), false)
  })

  it('tells a censored node with no TLS relay to add one', () => {
    const report = diagnose(libp2p(0), status([]), { bootstrap: [plainBootstrap], mdns: false, censored: true }, 0)
    assert.ok(report.advice.some(a => a.includes('hyphae relays add')), report.advice.join('\n'))
  })
})
