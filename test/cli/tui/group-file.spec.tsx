import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { createNetwork, removeDir, tempDir, type Network } from '../../fixtures/index.ts'
import { formGroup } from '../../groups/helpers.ts'
import { fileState, randomFile, sha256Of } from '../../files/helpers.ts'
import { enter, renderApp } from './harness.tsx'
import { KEYS } from './poll.ts'

describe('tui: /file in a group, on real nodes', { timeout: 180_000 }, () => {
  let network: Network
  let dir: string
  let group: string

  before(async () => {
    network = await createNetwork(2)
    dir = await tempDir('hyphae-tui-group-file-')
    group = (await formGroup(network.nodes, 'leaflets')).id
  })

  after(async () => {
    cleanup()
    await network?.stop()
    if (dir != null) await removeDir(dir)
  })

  it('offers the file in the open group; another member fetches it, same SHA-256', async () => {
    const [alice, bob] = network.nodes
    const { path, sha256 } = await randomFile(dir, 'event.mp4', (2 << 20) + 777)
    const h = renderApp(alice, { columns: 140 })
    try {
      await h.waitFor('leaflets', 15_000)
      // the group is the only conversation; Tab moves to it if the launcher did not open it
      if (!h.screen().includes('message leaflets')) h.press(KEYS.tab)
      await h.waitFor('message leaflets', 15_000)
      enter(h, `/file ${path}`)
      await h.waitFor('offered event.mp4 (2.0 MiB) to leaflets', 30_000)
      await h.waitFor('[file] event.mp4', 15_000)

      const sent = (await alice.listFiles()).find(f => f.direction === 'out')
      assert.equal(sent?.group, group, 'the offer went to the group')
      const offer = await fileState(bob, sent.id, 'offered')
      assert.equal(offer.author, alice.peerId)
      await bob.acceptFile(sent.id)
      const done = await fileState(bob, sent.id, 'complete', 120_000)
      assert.equal(await sha256Of(done.savedTo!), sha256)
    } finally {
      h.unmount()
    }
  })
})
