import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SyncStatus } from '../../protocols/group-sync/index.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { link } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

/**
 * A channel's followers prove to each other that they hold its key by history syncs, and on a
 * loaded machine (dozens of messengers on two cores) many of those are cut. These cut them on
 * purpose and check that the followers still mesh with each other, not only with the owner,
 * and that a peer without the key still does not.
 */
const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub
const meshOf = (node: HyphaeMessenger, topic: string): string[] => pubsubOf(node).getMeshPeers(topic)
const suspects = (node: HyphaeMessenger, topic: string, peer: string): boolean => (node.groups as any).topics.gate.suspects(topic, peer)

/** Cuts `node`'s history requests to the peers `cut` picks, as a reset stream would. */
function cutSyncs (node: HyphaeMessenger, cut: (peer: string) => boolean): void {
  const sync = (node.libp2p.services as any).groupSync
  const fetch = sync.fetch.bind(sync)
  sync.fetch = async (peer: any, request: any, options: any) => {
    if (!cut(peer.toString())) return fetch(peer, request, options)
    const err = new Error('cut by the test')
    err.name = 'StreamResetError'
    throw err
  }
}

async function startChannel (network: Network): Promise<{ channel: string, topic: string }> {
  const owner = network.nodes[0]
  const channel = (await owner.createChannel('news')).id
  return { channel, topic: await owner.groups.topic(channel) }
}

describe('channel followers mesh with each other when syncs are cut', { timeout: 300_000 }, () => {
  const FOLLOWERS = 8
  /** each follower's first syncs to each other follower that fail; old code gave up after 4 */
  const CUTS = 4
  let network: Network

  before(async () => { network = await createNetwork(FOLLOWERS + 1) })
  after(async () => { await network?.stop() })

  it('followers started at once, their first syncs to each other cut, all end with follower mesh peers and nobody unproven', async () => {
    const [owner, ...followers] = network.nodes
    const ids = new Set(followers.map(f => f.peerId))
    for (const node of followers) {
      const tries = new Map<string, number>()
      cutSyncs(node, peer => {
        if (!ids.has(peer)) return false
        tries.set(peer, (tries.get(peer) ?? 0) + 1)
        return (tries.get(peer) as number) <= CUTS
      })
    }
    // a ring of followers; each follow also dials the owner
    for (let i = 0; i < FOLLOWERS; i++) await link(followers[i], followers[(i + 1) % FOLLOWERS])
    const { channel, topic } = await startChannel(network)
    const invites = await Promise.all(followers.map(async () => owner.channelInvite(channel)))
    await Promise.all(followers.map(async (f, i) => f.followChannel(invites[i])))

    const unproven = (): string[] => followers.flatMap((f, i) => followers
      .filter(g => g !== f && pubsubOf(f).getSubscribers(topic).some((p: any) => p.toString() === g.peerId) && suspects(f, topic, g.peerId))
      .map(g => `${i + 1}->${followers.indexOf(g) + 1}`))
    const withoutFollowers = (): number[] => followers.flatMap((f, i) => meshOf(f, topic).some(p => ids.has(p)) ? [] : [i + 1])
    await waitFor(() => unproven().length === 0 && withoutFollowers().length === 0, {
      timeout: 240_000,
      interval: 500,
      message: () => `every follower proven to its follower neighbours and meshed with one (unproven: ${unproven().join(' ')}; without a follower in their mesh: ${withoutFollowers().join(' ')})`
    })
  })
})

describe('a channel follower proves itself by the answer to its neighbour\'s sync', { timeout: 240_000 }, () => {
  // 0: the owner; 1 and 2 follow and are linked; 3 holds no key but listens on the topic
  let network: Network
  let topic: string

  before(async () => {
    network = await createNetwork(4)
    const [owner, a, b, stranger] = network.nodes
    let channel: string
    ;({ channel, topic } = await startChannel(network))
    // every sync of b's to a is cut: b can prove itself to a only by answering a's sync
    cutSyncs(b, peer => peer === a.peerId)
    for (const node of [a, b]) await node.followChannel(await owner.channelInvite(channel))
    await link(a, b)
    await link(stranger, a)
  })

  after(async () => { await network?.stop() })

  it('a follower whose own syncs to a neighbour all fail gets into that neighbour\'s mesh', async () => {
    const [, a, b] = network.nodes
    await waitFor(() => !suspects(a, topic, b.peerId) && meshOf(a, topic).includes(b.peerId), {
      timeout: 120_000,
      interval: 250,
      message: () => `b proven at a and in its mesh (suspected: ${suspects(a, topic, b.peerId)}, a's mesh: ${meshOf(a, topic).length})`
    })
  })

  it('a peer without the key that answers a sync with a made-up proof stays out of the mesh', async () => {
    const [, a, , stranger] = network.nodes
    // it listens on the topic (its name is no secret to a connected peer) and answers every sync
    let answered = 0
    ;(stranger.libp2p.services as any).groupSync.onRequest = () => { answered++; return { status: SyncStatus.OK, items: [], epoch: 0n, proof: new Uint8Array(32).fill(7) } }
    pubsubOf(stranger).subscribe(topic)
    await waitFor(() => answered > 0, { timeout: 60_000, message: 'a to ask the stranger for history' })
    const syncing = (a.groups as any).history.syncs as Map<string, Promise<void>>
    await waitFor(() => ![...syncing.keys()].some(k => k.endsWith(stranger.peerId)), { timeout: 30_000, message: 'a\'s sync with the stranger to end' })
    assert.equal(suspects(a, topic, stranger.peerId), true, 'still suspected after its answer')
    // a graft that came with its subscription is undone at a's next heartbeat
    await waitFor(() => !meshOf(a, topic).includes(stranger.peerId), { timeout: 10_000, message: 'the stranger pruned from a\'s mesh' })
    assert.equal(suspects(a, topic, stranger.peerId), true)
  })
})
