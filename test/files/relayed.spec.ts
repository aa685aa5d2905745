import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, removeDir, tempDir, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther } from '../messaging/helpers.ts'
import { fileState, randomFile, sha256Of } from './helpers.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { Connection } from '@libp2p/interface'

/** 1 MiB; HYPHAE_FILES_MIB=200 for the 200 MiB run (as kill.spec.ts) */
const MIB = Number(process.env.HYPHAE_FILES_MIB ?? 1)
const SIZE = MIB << 20

/** a relay whose circuits carry 512 KiB each way: a 1 MiB file needs several of them */
const RELAY: RelayInit = {
  maxReservations: 16,
  reservationTtlMs: 3_600_000,
  durationLimitMs: 3_600_000,
  dataLimitBytes: 1n << 19n
}

describe('files through a relay', () => {
  let network: Network
  let dir: string
  before(async () => {
    // alice and bob listen on nothing: each is reachable only through its slot on the relay
    network = await createNetwork(3, { init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { listen: [], bootstrap: [addressOf(started[0])] } })
    dir = await tempDir('hyphae-files-')
    const [, alice, bob] = network.nodes
    for (const node of [alice, bob]) {
      await waitFor(async () => (await node.id()).addresses.some(a => a.includes('/p2p-circuit')), { message: 'a relay slot', timeout: 30_000 })
    }
    await addEachOther([alice, bob])
  })
  after(async () => {
    await network.stop()
    await removeDir(dir)
  })

  it(`a ${MIB} MiB file arrives over relayed connections, going on over a new one when a circuit is used up`, async (t) => {
    const [, alice, bob] = network.nodes
    const opened: Connection[] = []
    const onOpen = (evt: CustomEvent<Connection>): void => { if (evt.detail.remotePeer.toString() === alice.peerId) opened.push(evt.detail) }
    bob.libp2p.addEventListener('connection:open', onOpen)
    try {
      const { path, sha256 } = await randomFile(dir, 'event.mp4', SIZE)
      const started = Date.now()
      const sent = await alice.sendFile(bob.peerId, path)
      await waitFor(async () => (await bob.listFiles()).some(f => f.id === sent.file.id), { message: 'the offer to arrive', timeout: 30_000 })
      await bob.acceptFile(sent.file.id)
      // a bound, not a speed: generous for 2 loaded cores
      const done = await fileState(bob, sent.file.id, 'complete', 120_000 + MIB * 5_000)
      const seconds = (Date.now() - started) / 1000
      assert.equal(await sha256Of(done.savedTo!), sha256)
      // every connection between them was a circuit with the relay's limits, and one was not enough
      const all = [...opened, ...bob.libp2p.getConnections(alice.libp2p.peerId)]
      assert.ok(all.length > 0)
      for (const c of all) assert.ok(c.limits != null, `a direct connection ${c.remoteAddr.toString()}`)
      const circuits = new Set(all.map(c => c.id)).size
      assert.ok(circuits >= 2, `one circuit carried it all (${all.length})`)
      t.diagnostic(`${MIB} MiB in ${seconds.toFixed(1)} s over ${circuits} circuits of ${Number(RELAY.dataLimitBytes) >> 10} KiB`)
    } finally {
      bob.libp2p.removeEventListener('connection:open', onOpen)
    }
  })
})
