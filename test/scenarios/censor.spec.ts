import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { formatRelayLine } from '../../node/net/relay-list.ts'
import { waitFor } from '../fixtures/index.ts'
import { dpiCensor, dpiHits, LIBP2P_SIGNATURES, notTlsFlows, tlsFlows, tlsOnlyCensor } from './censor.ts'
import { messages, relayedInvite, startNode } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# censor scenarios skipped: ${unavailable}`)

const COUNT = 100
const SNI = 'www.example.org'

/** The relay abroad, a website on 443; returns the relay line users are handed. */
async function startWebsiteRelay (lab: Lab): Promise<{ line: string, peerId: string }> {
  const relay = await startNode(lab, 'relay', ['relay', '--website', `${lab.host('relay').ip}:443`, '--tls-name', SNI, '--no-mdns'])
  const id = await lab.rpc('relay', 'id')
  const address = id.addresses.find((a: string) => a.includes(lab.host('relay').ip) && a.includes('/http-path/'))
  assert.ok(address != null, `the relay announces its website address: ${id.addresses.join(' ')}`)
  assert.ok(id.addresses.every((a: string) => a.includes('/tls/')), `a website relay listens on nothing else: ${id.addresses.join(' ')}`)
  // the operator reads the line off the relay's log
  const logged = /"event":"relay-line","line":"([^"]+)"/.exec(relay.output())
  assert.equal(logged?.[1], formatRelayLine(multiaddr(address)))
  return { line: logged[1], peerId: id.peerId }
}

async function startCensoredUser (lab: Lab, name: string): Promise<string> {
  await startNode(lab, name, ['--censored', '--no-mdns', '--listen', `/ip4/${lab.host(name).ip}/tcp/4001`])
  return (await lab.rpc(name, 'id')).peerId
}

/** Alice and Bob, each behind the censor, add the relay line and each other, and exchange COUNT messages both ways. */
async function exchange (lab: Lab, line: string): Promise<void> {
  for (const name of ['alice', 'bob']) {
    const added = await lab.rpc(name, 'relays.add', { line })
    assert.equal(added.tls, true)
  }
  const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
  await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
  await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
  const sent = { alice: [] as string[], bob: [] as string[] }
  for (let i = 0; i < COUNT; i++) {
    sent.alice.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `from alice ${i}` })).id)
    sent.bob.push((await lab.rpc('bob', 'messages.send', { contact: 'alice', text: `from bob ${i}` })).id)
  }
  for (const [from, to, peer] of [['alice', 'bob', 'alice'], ['bob', 'alice', 'bob']] as const) {
    await waitFor(async () => {
      const got = new Set((await messages(lab, to, peer)).filter(m => m.direction === 'in').map(m => m.id))
      return sent[from].every(id => got.has(id))
    }, { message: `${to} got all ${COUNT} of ${from}'s messages`, timeout: 240_000, interval: 1000 })
    await waitFor(async () => (await messages(lab, from, to)).filter(m => m.direction === 'out' && (m.status === 'delivered' || m.status === 'read')).length === COUNT,
      { message: `${from} sees all ${COUNT} delivered`, timeout: 60_000, interval: 1000 })
  }
}

describe('through a censor that reads the traffic (real processes, a censoring router)', { skip: unavailable }, () => {
  describe('DPI: libp2p signatures dropped, their destination blocked for 5 minutes', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob'], { routed: true }) })
    after(async () => { await lab?.destroy() })

    it(`alice and bob exchange ${COUNT} messages each way through a website relay abroad, and no signature crosses`, { timeout: 600_000 }, async () => {
      const relay = await startWebsiteRelay(lab)
      const alice = await startCensoredUser(lab, 'alice')
      const bob = await startCensoredUser(lab, 'bob')
      // peer ids are signatures too: a censor that has listed users greps for them
      await dpiCensor(lab, [...LIBP2P_SIGNATURES, relay.peerId, alice, bob])
      await exchange(lab, relay.line)
      assert.equal(await dpiHits(lab), 0, 'packets carrying a libp2p signature or a peer id crossed the censor')
    })
  })

  describe('TLS only: a flow lives only if its first payload is a ClientHello; no UDP, nothing inbound', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob'], { routed: true }) })
    after(async () => { await lab?.destroy() })

    it(`alice and bob exchange ${COUNT} messages each way through a website relay abroad`, { timeout: 600_000 }, async () => {
      await tlsOnlyCensor(lab, ['alice', 'bob'])
      const relay = await startWebsiteRelay(lab)
      await startCensoredUser(lab, 'alice')
      await startCensoredUser(lab, 'bob')
      await exchange(lab, relay.line)
      assert.ok(await tlsFlows(lab) >= 2, 'the censor saw the users\' TLS flows (its ClientHello match works)')
      assert.equal(await notTlsFlows(lab), 0, 'a hyphae flow began with something other than a ClientHello')
    })
  })
})
