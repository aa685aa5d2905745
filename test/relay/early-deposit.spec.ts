import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addressOf, connectedPeers, createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { EventLog } from '../messaging/helpers.ts'
import { queuesHandedOver } from './queues.ts'
import type { RelayInit } from '../../node/create-node.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }
const COUNT = 10

/**
 * Holds the node's DHT lookups for one peer (its rendezvous record, and the lookup by peer id
 * made when no record exists) until released, as a lookup for a peer behind a block goes
 * unanswered: the outbox's direct attempt to reach that peer stays pending meanwhile.
 */
class HeldLookups {
  pending = 0
  private readonly releases: Array<() => void> = []
  private holding = true

  constructor (node: HyphaeMessenger, peer: string) {
    const routing = node.libp2p.peerRouting
    const findPeer = routing.findPeer.bind(routing)
    routing.findPeer = async (id, options) => this.holding && id.toString() === peer ? this.hold() : findPeer(id, options)
    const rendezvous = (node.direct as any).rendezvous
    const lookup = rendezvous.lookup.bind(rendezvous)
    rendezvous.lookup = async (id: { toString: () => string }, signal: AbortSignal) => this.holding && id.toString() === peer ? this.hold() : lookup(id, signal)
  }

  private async hold (): Promise<never> {
    this.pending++
    try {
      return await new Promise((_resolve, reject) => { this.releases.push(() => { reject(new Error('lookup released')) }) })
    } finally {
      this.pending--
    }
  }

  release (): void {
    this.holding = false
    for (const release of this.releases.splice(0)) release()
  }
}

/** Relay (0), alice (1), bob (2): both hold a slot on the relay and have each other's invites. */
async function relayAndTwo (): Promise<Network> {
  const network = await createNetwork(3, {
    init: (i, started) => i === 0 ? { relay: RELAY, relayClient: false } : { bootstrap: [addressOf(started[0])] }
  })
  const [relay, alice, bob] = network.nodes
  for (const node of [alice, bob]) {
    await waitFor(async () => (await node.id()).addresses.some(a => a.includes(`/p2p/${relay.peerId}/p2p-circuit`)), { message: `${node.peerId} holds a slot on the relay`, timeout: 30_000 })
  }
  await alice.addContact((await bob.id()).invite, 'bob')
  await bob.addContact((await alice.id()).invite, 'alice')
  await queuesHandedOver(alice, bob)
  await queuesHandedOver(bob, alice)
  return network
}

async function goOffline (network: Network, index: number): Promise<void> {
  const gone = network.nodes[index]
  await gone.stop()
  await waitFor(() => network.nodes.every(n => n === gone || !connectedPeers(n).has(gone.peerId)), { message: 'the others see it go', timeout: 15_000 })
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function bobGotAll (bob: HyphaeMessenger, from: string, ids: string[]): Promise<void> {
  const got = await waitFor(async () => {
    const list = (await bob.listMessages(from, { limit: 1000 })).filter(m => m.direction === 'in')
    return ids.every(id => list.some(m => m.id === id)) ? list : undefined
  }, { message: 'bob got every message', timeout: 60_000 })
  assert.deepEqual(got.map(m => m.id), ids, 'each once, in order')
}

describe('mail does not wait for the sender: a contact out of reach', () => {
  let network: Network
  let held: HeldLookups | undefined
  before(async () => { network = await relayAndTwo() })
  after(async () => {
    held?.release()
    await network?.stop()
  })

  it('has the messages in a mailbox while the sender is still trying to reach it directly, then drops the direct copy', { timeout: 240_000 }, async () => {
    const [relay, alice] = network.nodes
    // alice's search for bob goes unanswered until the test lets go: her direct attempt is
    // pending all that time (the old outbox turned to the mailbox only once it had failed)
    held = new HeldLookups(alice, network.nodes[2].peerId)
    await goOffline(network, 2)
    const log = new EventLog(alice)
    const inMailbox = new Map<string, number>()
    /** lookups for bob pending when each message was in a mailbox */
    const lookupsPending: number[] = []
    const onReceipt = (evt: CustomEvent<{ id: string, status: string }>): void => {
      if (evt.detail.status !== 'sent') return
      inMailbox.set(evt.detail.id, Date.now())
      lookupsPending.push(held?.pending ?? 0)
    }
    alice.addEventListener('receipt', onReceipt)
    try {
      const sentAt = new Map<string, number>()
      const ids: string[] = []
      for (let i = 0; i < COUNT; i++) {
        const started = Date.now()
        const { id } = await alice.sendMessage('bob', `while bob is away ${i}`)
        sentAt.set(id, started)
        ids.push(id)
      }
      await waitFor(() => ids.every(id => log.saw(id, 'sent')), { message: () => `every message in a mailbox (${ids.filter(id => log.saw(id, 'sent')).length}/${COUNT}) while alice still tries to reach bob`, timeout: 30_000, interval: 20 })
      const times = ids.map(id => (inMailbox.get(id) ?? NaN) - (sentAt.get(id) ?? NaN))
      console.log(`# send -> in a mailbox (ms): min ${Math.min(...times)} median ${median(times)} max ${Math.max(...times)}`)
      assert.ok(lookupsPending.every(n => n > 0), `alice's direct attempt was pending each time a message reached the mailbox (${lookupsPending.join(',')})`)
      assert.equal((await relay.relayStats())?.mailbox.messages, COUNT)
      assert.equal(await alice.outboxSize(), COUNT, 'the outbox keeps them until bob acks')
      held.release()

      // bob comes back: he has them from the mailbox, and alice's outbox then delivers the same
      // messages directly; bob keeps one copy each, alice sees sent, then delivered
      const bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
      await bobGotAll(bob, alice.peerId, ids)
      await waitFor(() => ids.every(id => log.saw(id, 'delivered')), { message: 'alice sees every message delivered', timeout: 120_000, interval: 200 })
      for (const id of ids) {
        const statuses = log.receipts.filter(r => r.id === id).map(r => r.status)
        assert.deepEqual(statuses, ['sent', 'delivered'], `${id}: sent, then delivered`)
      }
      assert.equal(await alice.outboxSize(), 0)
      await bobGotAll(bob, alice.peerId, ids)
      await waitFor(async () => (await relay.relayStats())?.mailbox.messages === 0, { message: 'the relay deleted them once bob stored them', timeout: 30_000 })
    } finally {
      alice.removeEventListener('receipt', onReceipt)
      log.detach()
    }
  })
})

describe('mail does not wait for the sender: a sender who stops right after sending', () => {
  let network: Network
  before(async () => { network = await relayAndTwo() })
  after(async () => { await network?.stop() })

  it('leaves its outbox in the mailboxes before it stops, and keeps it queued', { timeout: 180_000 }, async () => {
    const [relay, alice] = network.nodes
    await goOffline(network, 2)
    const ids: string[] = []
    for (let i = 0; i < COUNT; i++) ids.push((await alice.sendMessage('bob', `just before the lid closes ${i}`)).id)
    const started = Date.now()
    await alice.stop()
    console.log(`# stop with ${COUNT} queued for a contact out of reach took ${Date.now() - started} ms`)
    assert.equal((await relay.relayStats())?.mailbox.messages, COUNT, 'the relay holds them once alice has stopped')

    const back = await network.restart(1, { bootstrap: [addressOf(relay)] })
    assert.equal(await back.outboxSize(), COUNT, 'still queued: the outbox waits for bob\'s ack')
    const mine = (await back.listMessages('bob')).filter(m => ids.includes(m.id))
    assert.deepEqual(mine.map(m => m.status), ids.map(() => 'sent'))
    await back.stop()

    const bob = await network.restart(2, { bootstrap: [addressOf(relay)] })
    await bobGotAll(bob, alice.peerId, ids)
  })
})
