import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { link, texts } from './helpers.ts'

describe('a cut history sync is tried again', { timeout: 120_000 }, () => {
  let network: Network

  before(async () => { network = await createNetwork(2) })
  after(async () => { await network?.stop() })

  it('a follower whose first sync was cut still gets the posts written before it followed', async () => {
    const [owner, reader] = network.nodes
    const { id: channel } = await owner.createChannel('retry')
    for (const text of ['one', 'two']) await owner.postChannel(channel, text)
    // the reader's first request to the owner dies on the way, as a reset stream does under load
    const sync = reader.groups.sync as any
    const fetch = sync.fetch.bind(sync)
    let cut = 0
    sync.fetch = async (...args: any[]) => {
      if (cut++ === 0) throw Object.assign(new Error('stream reset'), { name: 'StreamResetError' })
      return fetch(...args)
    }
    await reader.followChannel(await owner.channelInvite(channel))
    await link(reader, owner)
    await waitFor(async () => (await texts(reader, channel)).length === 2, { timeout: 30_000, message: 'the posts to arrive after the retry' })
    assert.deepEqual(await texts(reader, channel), ['one', 'two'])
    assert.ok(cut >= 2, 'the first sync failed and a later one went through')
    assert.ok((reader.groups.stats.reasons['sync failed: StreamResetError'] ?? 0) >= 1)
  })
})
