import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createNetwork, type Network } from '../fixtures/index.ts'
import type { RelayInit } from '../../node/create-node.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

/** Who serves the DHT: a server is what a crawler lists, with its addresses. */
describe('DHT mode', { timeout: 60_000 }, () => {
  const networks: Network[] = []
  const one = async (init: Parameters<typeof createNetwork>[1] = {}): Promise<Network> => {
    const network = await createNetwork(1, init)
    networks.push(network)
    return network
  }

  after(async () => {
    await Promise.allSettled(networks.map(async n => n.stop()))
  })

  it('a user is a DHT client unless it opts in, by flag or by the profile\'s setting', async () => {
    const network = await one()
    const node = network.nodes[0]
    assert.equal((await node.status()).dht.mode, 'client')
    assert.equal((await node.settings()).dhtServer, false)

    assert.equal((await node.updateSettings({ dhtServer: true })).dhtServer, true)
    assert.equal((await network.restart(0)).libp2p.services.dht.getMode(), 'server', 'the setting applies from the next start')
    assert.equal((await network.restart(0, { dhtServer: false })).libp2p.services.dht.getMode(), 'client', 'the flag overrides the setting')
    await assert.rejects(network.nodes[0].updateSettings({ dhtServer: 'yes' as any }), { name: 'InvalidArgumentError' })

    await network.nodes[0].updateSettings({ dhtServer: false })
    assert.equal((await network.restart(0)).libp2p.services.dht.getMode(), 'client')
  })

  it('a censored user stays a client even when it opts in', async () => {
    const network = await one({ init: { dhtServer: true, censored: true } })
    assert.equal(network.nodes[0].libp2p.services.dht.getMode(), 'client')
  })

  it('a relay serves the DHT; a bridge does not', async () => {
    const relay = await one({ init: { relay: RELAY, relayClient: false } })
    assert.equal(relay.nodes[0].libp2p.services.dht.getMode(), 'server')
    const bridge = await one({ init: { relay: { ...RELAY, bridge: true }, relayClient: false } })
    assert.equal(bridge.nodes[0].libp2p.services.dht.getMode(), 'client')
  })
})
