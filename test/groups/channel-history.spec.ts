import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MAX_CHANNEL_BACKLOG } from '../../node/groups/channel-rules.ts'
import { GroupMessageKind } from '../../protocols/group/pb/group.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { link, texts } from './helpers.ts'

describe('channel history is bounded', { timeout: 180_000 }, () => {
  let network: Network

  before(async () => { network = await createNetwork(2) })
  after(async () => { await network?.stop() })

  it(`a follower is served the last ${MAX_CHANNEL_BACKLOG} posts, never more`, async () => {
    const [owner, reader] = network.nodes
    const { id: channel } = await owner.createChannel('archive')
    // written straight to the owner's store (published, they would take minutes at the rate limit)
    const extra = 10
    const ledger = (owner.groups as any).ledger
    for (let i = 0; i < MAX_CHANNEL_BACKLOG + extra; i++) {
      const record = (await owner.groups.store.group(channel))!
      const { ops } = await ledger.author(record, { kind: GroupMessageKind.TEXT, body: `post ${i}` }, false)
      await owner.groups.store.batch(ops)
    }
    await reader.followChannel(await owner.channelInvite(channel))
    await link(reader, owner)
    let got: string[] = []
    await waitFor(async () => (got = await texts(reader, channel)).length >= MAX_CHANNEL_BACKLOG, {
      timeout: 60_000,
      message: () => `the reader to get ${MAX_CHANNEL_BACKLOG} posts (${got.length})`
    })
    // asking again from the very start brings nothing older
    assert.equal(await reader.groups.syncWith(channel, owner.peerId, { since: 0 }), 0)
    // every record stored, not a page of them (a page holds at most 1000)
    const stored = await reader.groups.store.messages.values({ gt: `${channel}!`, lt: `${channel}!~` }).all()
    assert.equal(stored.length, MAX_CHANNEL_BACKLOG)
    assert.equal(stored[0].body, `post ${extra}`)
    assert.equal(stored.at(-1)?.body, `post ${MAX_CHANNEL_BACKLOG + extra - 1}`)
  })
})
