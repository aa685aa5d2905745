import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { callRpc } from '../../cli/rpc/client.ts'
import { socketPath } from '../../node/config.ts'
import { startCli, waitForLine, type CliProcess } from '../cli/run-cli.ts'
import type { RelayInit } from '../../node/create-node.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

describe('a relay tells its operator about reservations', () => {
  let relays: Network
  let clients: Network | undefined
  before(async () => { relays = await createNetwork(1, { init: { relay: RELAY, relayClient: false } }) })
  after(async () => {
    await clients?.stop()
    await relays.stop()
  })

  it('emits relay:reservation for each, and counts only reservations whose holder is still connected', async () => {
    const [relay] = relays.nodes
    const reserved: string[] = []
    relay.addEventListener('relay:reservation', evt => { reserved.push(evt.detail) })
    clients = await createNetwork(2, { init: { bootstrap: [addressOf(relay)] } })
    const ids = clients.nodes.map(n => n.peerId).sort()
    await waitFor(() => ids.every(id => reserved.includes(id)), { message: () => `a reservation event per client; got ${reserved.join(', ')}`, timeout: 30_000 })
    await waitFor(async () => (await relay.relayStats())?.reservations === 2, { message: 'two live reservations', timeout: 30_000 })
    // a client gone: libp2p keeps its entry until the TTL (an hour here), the gauge does not count it
    await clients.nodes[0].stop()
    await waitFor(async () => (await relay.relayStats())?.reservations === 1, { message: 'one live reservation once the client is gone', timeout: 30_000 })
  })
})

describe('hyphae relay logs: a relay:reservation line with no peer id, a time on every line', () => {
  let root: string
  const procs: CliProcess[] = []
  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-relay-log-')) })
  after(async () => {
    await Promise.all(procs.map(async p => p.stop('SIGKILL')))
    await rm(root, { recursive: true, force: true })
  })

  it('logs the reservation of a daemon that bootstraps through it', async () => {
    const relay = startCli(['relay', '--data-dir', join(root, 'relay'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    procs.push(relay)
    const started = JSON.parse(await waitForLine(relay, /"event":"started"/))
    const client = startCli(['daemon', '--data-dir', join(root, 'client'), '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--bootstrap', started.addresses[0]])
    procs.push(client)
    const clientId = JSON.parse(await waitForLine(client, /"event":"started"/)).peerId
    const line = JSON.parse(await waitForLine(relay, /"event":"relay:reservation"/, 30_000))
    // a count, not who: a relay's log names no client
    assert.equal(line.total, 1)
    assert.equal(relay.output().includes(clientId), false, 'the relay logs no client peer id')
    const stats = await callRpc(socketPath(join(root, 'relay')), 'relay.stats') as { reservations: number }
    assert.equal(stats.reservations, 1)
    for (const proc of [relay, client]) {
      for (const text of proc.output().split('\n').filter(l => l.startsWith('{'))) {
        const entry = JSON.parse(text)
        assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `a time on ${text}`)
      }
    }
  })
})
