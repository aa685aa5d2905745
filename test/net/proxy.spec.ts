import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { proxiedDialAllowed } from '../../node/net/censored.ts'
import { parseProxyUrl } from '../../node/net/proxy.ts'

const RELAY = '12D3KooWBxC1cd63Rv67yCj7Qp4EN8e9FJL1nswtiw3T6CpkXhnz'
const PEER = '12D3KooWJMz75A2psXfuA6pmwYHKu2uxZqcbgaEqSif5SDhEqH6w'

describe('--proxy', () => {
  it('takes a SOCKS5 URL and says what is wrong with anything else', () => {
    assert.deepEqual(parseProxyUrl('socks5://127.0.0.1:9050'), { host: '127.0.0.1', port: 9050 })
    assert.deepEqual(parseProxyUrl('socks5h://[::1]:1080'), { host: '::1', port: 1080 })
    assert.throws(() => parseProxyUrl('http://127.0.0.1:8080'), /a SOCKS5 proxy/)
    assert.throws(() => parseProxyUrl('socks5://127.0.0.1'), /needs a host and a port/)
    assert.throws(() => parseProxyUrl('127.0.0.1:9050'), /socks5:\/\/HOST:PORT/)
    assert.throws(() => parseProxyUrl('socks5://user:pw@127.0.0.1:9050'), /no user/)
  })

  it('dials only what goes through the proxy: TLS-first addresses, the LAN included', () => {
    const allowed = (a: string): boolean => proxiedDialAllowed(multiaddr(a))
    assert.equal(allowed(`/ip4/203.0.113.7/tcp/443/tls/sni/relay.example.org/ws/http-path/s3cretPath/p2p/${RELAY}`), true)
    assert.equal(allowed(`/ip4/203.0.113.7/tcp/443/tls/ws/http-path/s3cretPath/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), true)
    assert.equal(allowed(`/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`), true)
    assert.equal(allowed(`/ip4/192.168.1.77/tcp/4001/p2p/${PEER}`), false, 'not even the LAN directly')
    assert.equal(allowed(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`), false)
    assert.equal(allowed(`/ip4/203.0.113.7/tcp/4002/ws/p2p/${RELAY}`), false)
  })
})
