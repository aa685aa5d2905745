import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { equals } from 'uint8arrays'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { Crawler } from '../fixtures/crawler.ts'
import { MessageType } from '../fixtures/pb/kad.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const RELAYS = 5
const CLIENTS = 45
const RELAY: RelayInit = { maxReservations: 64, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

/** "/ip4/127.0.0.1/tcp/PORT" of each address: on loopback a port is what an IP is abroad */
function hostPorts (addrs: Iterable<string>): string[] {
  return [...addrs].flatMap(a => {
    const parts = multiaddr(a).getComponents()
    const ip = parts.find(c => c.name === 'ip4' || c.name === 'ip6')
    const port = parts.find(c => c.name === 'tcp')
    return ip != null && port != null ? [`${ip.value}:${port.value}`] : []
  })
}

/**
 * A state crawls the DHT for hyphae's users. It joins a 50-node network (5 relays, 45 users
 * who hold slots on them) at a relay, as it would at a public bootstrap node, and walks every
 * routing table it can reach with kad-dht's own wire protocol. It must learn the relays (they
 * are public infrastructure) and no user: no peer id, no address.
 */
describe('a DHT crawl', { timeout: 900_000 }, () => {
  let network: Network
  let relays: HyphaeMessenger[]
  let clients: HyphaeMessenger[]
  let crawler: Crawler

  before(async () => {
    network = await createNetwork(RELAYS + CLIENTS, {
      init: (i, started) => i < RELAYS
        ? { relay: RELAY, relayClient: false, bootstrap: i === 0 ? [] : [addressOf(started[0])] }
        // each user knows one relay, as from its bootstrap list or an invite
        : { bootstrap: [addressOf(started[i % RELAYS])] }
    })
    relays = network.nodes.slice(0, RELAYS)
    clients = network.nodes.slice(RELAYS)
    // every user is connected to a relay and identified by it (the relay's peer store holds its
    // addresses), and the relays know each other: what a relay could leak, it now holds
    const relayIds = relays.map(r => r.libp2p.peerId)
    // a bootstrap dial that timed out on a loaded machine is not retried soon: dial it again
    await Promise.all(clients.map(async (c, i) => {
      const relay = relays[(i + RELAYS) % RELAYS]
      if (c.libp2p.getConnections(relay.libp2p.peerId).length === 0) await c.connect(addressOf(relay), { signal: AbortSignal.timeout(60_000) }).catch(() => {})
    }))
    let missing = 0
    await waitFor(async () => {
      const held = await Promise.all(clients.map(async c => (await Promise.all(relays.map(async r => r.libp2p.getConnections(c.libp2p.peerId).length > 0 && (await r.libp2p.peerStore.get(c.libp2p.peerId).catch(() => undefined))?.addresses.length))).some(Boolean)))
      missing = held.filter(h => !h).length
      return missing === 0 && relays.every(r => relayIds.every(id => id.equals(r.libp2p.peerId) || r.libp2p.services.dht.routingTable.size >= RELAYS - 1))
    }, { timeout: 180_000, interval: 1000, message: () => `every user to be connected to a relay (${missing} not) and the relays to know each other` })
    crawler = await Crawler.create()
  })

  after(async () => {
    await crawler?.stop()
    await network?.stop()
  })

  it('walks every routing table and learns the relays, and no user', async () => {
    const result = await crawler.crawl([multiaddr(addressOf(relays[0]))], { signal: AbortSignal.timeout(120_000) })
    const relayIds = relays.map(r => r.peerId)
    const clientIds = new Set(clients.map(c => c.peerId))

    // it did crawl: every relay answered, and it knows every relay's address
    for (const relay of relays) {
      assert.ok(result.answered.has(relay.peerId), `relay ${relay.peerId} answered the crawler`)
      const known = hostPorts(result.named.get(relay.peerId) ?? [])
      for (const hp of hostPorts(relay.libp2p.getMultiaddrs().map(String))) assert.ok(known.includes(hp), `the crawler learnt relay address ${hp}`)
    }

    const learntClients = [...result.named.keys()].filter(id => clientIds.has(id))
    assert.deepEqual(learntClients, [], `the crawler learnt ${learntClients.length} users' peer ids (${result.requests} requests, ${result.named.size} peers named)`)
    const answeredBy = [...result.answered].filter(id => !relayIds.includes(id))
    assert.deepEqual(answeredBy, [], 'only relays serve the DHT')
    // no address named for anyone is a user's: neither its listen address nor a circuit to it
    // (a circuit address's host is its relay's: those are caught by the user's peer id in them)
    const clientHostPorts = new Set(clients.flatMap(c => hostPorts(c.libp2p.getMultiaddrs().map(String).filter(x => !x.includes('/p2p-circuit')))))
    const allNamed = [...result.named.values()].flatMap(set => [...set])
    const leaked = allNamed.filter(a => hostPorts([a]).some(hp => clientHostPorts.has(hp)) || [...clientIds].some(id => a.includes(id)))
    assert.deepEqual(leaked, [], 'no user address in any answer')
  })

  it('asked for a user by peer id (from an invite), no relay names it', async () => {
    // a relay's peer store holds every user that took a slot on it (identify told it their
    // addresses): kad-dht would answer a FIND_NODE for that peer id from there
    const leaks: string[] = []
    for (const relay of relays) {
      const addrs = [multiaddr(addressOf(relay))]
      for (const client of clients) {
        const key = peerIdFromString(client.peerId).toMultihash().bytes
        for (const type of [MessageType.FIND_NODE, MessageType.GET_VALUE]) {
          const answer = await crawler.ask(addrs, type, key)
          if ([...answer.closer, ...answer.providers].some(p => equals(p.id, key))) leaks.push(`${MessageType[type]} at relay ${relay.peerId.slice(-6)} named user ${client.peerId.slice(-6)}`)
        }
      }
    }
    // the relays do hold the users' records: the test asks where the leak would be
    const held = await Promise.all(clients.map(async c => (await Promise.all(relays.map(async r => r.libp2p.peerStore.has(c.libp2p.peerId)))).some(Boolean)))
    assert.ok(held.every(Boolean), 'every user is in some relay\'s peer store')
    assert.deepEqual(leaks, [])
  })

  it('users run the DHT as clients, relays as servers, and no relay puts a user in its table', async () => {
    for (const relay of relays) assert.equal(relay.libp2p.services.dht.getMode(), 'server')
    for (const client of clients) assert.equal(client.libp2p.services.dht.getMode(), 'client')
    // every user has queried a relay: libp2p's peer store then lists the DHT protocol for it,
    // and kad-dht alone would add it to the relay's routing table
    const tabled: string[] = []
    for (const relay of relays) {
      for (const client of clients) if (await relay.libp2p.services.dht.routingTable.find(client.libp2p.peerId) != null) tabled.push(client.peerId)
    }
    assert.deepEqual(tabled, [])
  })
})
