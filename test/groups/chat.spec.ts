import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link, recordEvents, texts } from './helpers.ts'
import type { GroupMessageRecord } from '../../node/messenger.ts'

const N = 10
const PER_NODE = 3

describe('a group of 10 over gossipsub', { timeout: 180_000 }, () => {
  let network: Network
  let group: string
  let events: GroupMessageRecord[][]

  before(async () => {
    network = await createNetwork(N)
    const nodes = network.nodes
    // not a star: each node also links to the one before it, so messages take several hops
    for (let i = 2; i < N; i++) await link(nodes[i], nodes[i - 1])
    group = (await formGroup(nodes, 'ten')).id
    events = nodes.map(recordEvents)
  })

  after(async () => { await network?.stop() })

  it('delivers every message to every member exactly once, encrypted on a topic that names nothing', async () => {
    const nodes = network.nodes
    const sent: string[] = []
    for (let round = 0; round < PER_NODE; round++) {
      for (let i = 0; i < N; i++) {
        const text = `hello ${round} from ${i}`
        const result = await nodes[i].sendGroupMessage(group, text)
        assert.equal(result.status, 'queued')
        sent.push(text)
      }
    }
    await waitFor(async () => {
      for (const node of nodes) if ((await texts(node, group)).length < sent.length) return false
      return true
    }, {
      timeout: 60_000,
      message: () => `every node to hold ${sent.length} messages`
    })
    for (const [i, node] of nodes.entries()) {
      const got = await texts(node, group)
      assert.equal(got.length, sent.length, `node ${i} holds each message once`)
      assert.deepEqual([...got].sort(), [...sent].sort(), `node ${i} holds every message`)
      // one event per message a node did not write itself, and one per message it wrote
      const ids = events[i].filter(e => e.kind === 'text').map(e => e.id)
      assert.equal(ids.length, sent.length, `node ${i} announced each message once`)
      assert.equal(new Set(ids).size, ids.length)
      // a member's own messages are shown in the order it wrote them
      const own = got.filter(t => t.endsWith(` from ${i}`))
      assert.deepEqual(own, Array.from({ length: PER_NODE }, (_, r) => `hello ${r} from ${i}`))
      const [info] = await node.listGroups()
      assert.equal(info.queued, 0, `node ${i}'s group outbox is empty`)
      // every text from the others is unread until the group is read; joins do not count
      assert.equal(info.unread, sent.length - PER_NODE, `node ${i} counts the others' texts as unread`)
    }
    await nodes[0].markGroupRead(group)
    assert.equal((await nodes[0].listGroups())[0].unread, 0, 'reading the group clears its count')
    assert.equal((await nodes[1].listGroups())[0].unread, sent.length - PER_NODE, 'and only on the node that read it')
    await nodes[1].sendGroupMessage(group, 'one more')
    await waitFor(async () => (await nodes[0].listGroups())[0].unread === 1, { timeout: 30_000, message: () => 'a new text to count as unread again' })
    // the topic is a hash: neither the group's id nor its name appears in it
    const topic = await nodes[0].groups.topic(group)
    assert.match(topic, /^\/hyphae\/group\/1\/[0-9a-f]{64}$/)
    assert.ok(!topic.includes(group))
    for (const node of nodes) assert.equal(node.groups.stats.rejected, 0, 'no honest message was rejected')
  })
})
