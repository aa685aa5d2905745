import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { subnetsOf } from '../../node/net/peer-protection.ts'

describe('the networks an inbound address is counted in', () => {
  it('IPv4 /24 and /16, IPv6 /64 and /48 however it is written', () => {
    assert.deepEqual(subnetsOf(multiaddr('/ip4/203.0.113.7/tcp/4001')), ['203.0.113/24', '203.0/16'])
    assert.deepEqual(subnetsOf(multiaddr('/ip6/2001:db8:0:1::7/tcp/4001')), ['2001:0db8:0000:0001/64', '2001:0db8:0000/48'])
    assert.deepEqual(subnetsOf(multiaddr('/ip6/2001:DB8::1:0:0:7/tcp/1')), subnetsOf(multiaddr('/ip6/2001:db8:0:0:1::7/tcp/1')))
    assert.deepEqual(subnetsOf(multiaddr('/ip6/::ffff:203.0.113.9/tcp/1')), ['203.0.113/24', '203.0/16'], 'an IPv4 peer on a dual-stack socket')
    assert.notDeepEqual(subnetsOf(multiaddr('/ip6/2001:db8:0:2::7/tcp/1')), subnetsOf(multiaddr('/ip6/2001:db8:0:1::7/tcp/1')))
  })

  it('not a relayed connection (the address is the relay\'s), nor loopback unless asked', () => {
    assert.equal(subnetsOf(multiaddr('/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWGRUVh2ni5Ae1tYGzwDKHZtTyaDGEmrrJGHkhwrLEUzMT/p2p-circuit')), undefined)
    assert.equal(subnetsOf(multiaddr('/ip4/127.0.0.1/tcp/1')), undefined)
    assert.equal(subnetsOf(multiaddr('/ip6/::1/tcp/1')), undefined)
    assert.deepEqual(subnetsOf(multiaddr('/ip4/127.0.0.1/tcp/1'), true), ['127.0.0/24', '127.0/16'])
  })
})
