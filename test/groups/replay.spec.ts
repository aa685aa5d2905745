import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, texts } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

const pubsubOf = (node: HyphaeMessenger): any => node.libp2p.services.pubsub
const REPLAYED = 130

describe('a member replaying another member\'s old messages', { timeout: 180_000 }, () => {
  // 0: admin and victim of the replay; 1: the author; 2: the member that replays
  let network: Network
  let group: string

  before(async () => {
    network = await createNetwork(3)
    const [a, b, r] = network.nodes
    group = (await formGroup(network.nodes, 'replay')).id
    await link(b, r)
    const topic = await a.groups.topic(group)
    await waitFor(() => pubsubOf(a).getMeshPeers(topic).includes(r.peerId) && pubsubOf(a).getMeshPeers(topic).includes(b.peerId), {
      timeout: 20_000, message: 'the author and the replayer in node 0\'s mesh'
    })
  })

  after(async () => { await network?.stop() })

  it('does not spend the author\'s rate limit: the author\'s next message still gets through', async () => {
    const [a, b, r] = network.nodes
    const topic = await a.groups.topic(group)
    // the replayer keeps the author's messages exactly as they came over the wire, signature and all
    const captured: any[] = []
    const seen = new Set<string>()
    const ps = pubsubOf(r)
    const handle = ps.handleReceivedRpc.bind(ps)
    ps.handleReceivedRpc = async (from: any, rpc: any) => {
      for (const m of rpc.messages ?? []) {
        const id = `${Buffer.from(m.from ?? []).toString('hex')}:${Buffer.from(m.seqno ?? []).toString('hex')}`
        if (m.topic === topic && !seen.has(id)) { seen.add(id); captured.push(m) }
      }
      return handle(from, rpc)
    }
    for (let i = 0; i < REPLAYED; i++) await b.sendGroupMessage(group, `old ${i}`)
    await waitFor(async () => (await texts(a, group)).filter(t => t.startsWith('old ')).length === REPLAYED && captured.length >= REPLAYED, {
      timeout: 90_000, message: () => `node 0 to hold the ${REPLAYED} messages and the replayer to capture them (${captured.length})`
    })

    // gossipsub forgets message ids after 2 minutes; node 0 is made to forget them now
    pubsubOf(a).seenCache.clear()
    pubsubOf(a).fastMsgIdCache?.clear()
    const before = { ...a.groups.stats.reasons }
    const sent = ps.sendRpc(a.peerId.toString(), { subscriptions: [], messages: captured.slice(0, REPLAYED) })
    assert.equal(sent, true, 'the replay went out on the replayer\'s stream to node 0')
    await waitFor(() => (a.groups.stats.reasons.duplicate ?? 0) - (before.duplicate ?? 0) + (a.groups.stats.reasons.flooding ?? 0) - (before.flooding ?? 0) >= REPLAYED, {
      timeout: 30_000, message: () => `node 0 to judge the ${REPLAYED} replayed messages (${JSON.stringify(a.groups.stats.reasons)})`
    })
    assert.equal((a.groups.stats.reasons.flooding ?? 0) - (before.flooding ?? 0), 0, 'no replayed message was counted against the author\'s rate limit')

    // the author speaks again at once: the replay has not used up its allowance at node 0
    await b.sendGroupMessage(group, 'new after the replay')
    await waitFor(async () => (await texts(a, group)).includes('new after the replay'), { timeout: 30_000, message: 'node 0 to get the author\'s new message' })
    assert.equal((a.groups.stats.reasons.flooding ?? 0) - (before.flooding ?? 0), 0)
    assert.equal((await texts(a, group)).filter(t => t.startsWith('old ')).length, REPLAYED, 'nothing stored twice')
  })
})
