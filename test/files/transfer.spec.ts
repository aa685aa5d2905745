import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, removeDir, tempDir, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther } from '../messaging/helpers.ts'
import { fileState, randomFile, sha256Of } from './helpers.ts'

describe('files between two contacts, direct', () => {
  let network: Network
  let dir: string
  before(async () => {
    network = await createNetwork(2)
    dir = await tempDir('hyphae-files-')
    const [alice, bob] = network.nodes
    await addEachOther([alice, bob])
    await alice.connect(addressOf(bob))
  })
  after(async () => {
    await network.stop()
    await removeDir(dir)
  })

  it('a 1 MiB file arrives only once accepted, with the same SHA-256, in the conversation', async () => {
    const [alice, bob] = network.nodes
    const { path, sha256 } = await randomFile(dir, 'leaflet.pdf', 1 << 20)
    const sent = await alice.sendFile(bob.peerId, path)
    assert.equal(sent.file.name, 'leaflet.pdf')
    assert.equal(sent.file.size, 1 << 20)
    const message = await waitFor(async () => (await bob.listMessages(alice.peerId)).find(m => m.id === sent.id), { message: 'the offer to arrive' })
    assert.deepEqual(message.file, { id: sent.file.id, name: 'leaflet.pdf', size: 1 << 20 })
    const offered = (await bob.listFiles({ contact: alice.peerId })).find(f => f.id === sent.file.id)
    assert.equal(offered?.state, 'offered')
    assert.equal(offered?.received, 0)
    const saveDir = await tempDir('hyphae-saved-')
    try {
      await bob.acceptFile(sent.file.id.slice(0, 8), { dir: saveDir })
      const done = await fileState(bob, sent.file.id, 'complete')
      assert.equal(done.received, 1 << 20)
      assert.ok(done.savedTo?.startsWith(saveDir))
      assert.equal(await sha256Of(done.savedTo!), sha256)
    } finally {
      await removeDir(saveDir)
    }
  })

  it('a contact\'s auto-accept size fetches small files without asking, and its cap refuses big ones', async () => {
    const [alice, bob] = network.nodes
    await bob.setFileLimits(alice.peerId, { autoAccept: 100_000, maxSize: 300_000 })
    const small = await randomFile(dir, 'small.bin', 50_000)
    const big = await randomFile(dir, 'big.bin', 400_000)
    const a = await alice.sendFile(bob.peerId, small.path)
    const b = await alice.sendFile(bob.peerId, big.path)
    const done = await fileState(bob, a.file.id, 'complete')
    assert.equal(await sha256Of(done.savedTo!), small.sha256)
    await fileState(bob, b.file.id, 'refused')
    await assert.rejects(bob.acceptFile(b.file.id), (err: any) => err.name === 'FileTooLargeError')
  })
})
