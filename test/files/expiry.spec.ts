import assert from 'node:assert/strict'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { addressOf, createNetwork, removeDir, tempDir, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther } from '../messaging/helpers.ts'
import { fileState, randomFile } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

/** Names under the profile's `sub` folder that mention the file (its chunks and state are named by its id). */
async function leftOf (dataDir: string, sub: string, id: string): Promise<string[]> {
  const names = await readdir(join(dataDir, sub)).catch(() => [] as string[])
  return names.filter(n => n.includes(id))
}

/** long enough that both files arrive before they expire on a loaded machine (5 s, the least, did not always) */
const TIMER_S = 20

describe('files in a conversation with disappearing messages', { timeout: 180_000 }, () => {
  let network: Network
  let dir: string
  before(async () => {
    network = await createNetwork(2)
    dir = await tempDir('hyphae-files-expiry-')
    const [alice, bob] = network.nodes
    await addEachOther([alice, bob])
    await alice.connect(addressOf(bob))
  })
  after(async () => {
    await network.stop()
    await removeDir(dir)
  })

  it('a file leaves with its message: record, key, chunks and the copy saved into the profile', async () => {
    const [alice, bob] = network.nodes as [HyphaeMessenger, HyphaeMessenger]
    const [aliceDir, bobDir] = network.dirs
    await bob.setFileLimits(alice.peerId, { autoAccept: 100_000 })
    const fetched = await randomFile(dir, 'fetched.bin', 50_000)
    const unopened = await randomFile(dir, 'unopened.bin', 200_000)

    await alice.setTimer(bob.peerId, TIMER_S)
    await waitFor(async () => (await bob.listContacts()).find(c => c.peerId === alice.peerId)?.timer === TIMER_S, {
      timeout: 30_000, message: 'bob to follow the timer'
    })
    const a = await alice.sendFile(bob.peerId, fetched.path)
    const b = await alice.sendFile(bob.peerId, unopened.path)
    const done = await fileState(bob, a.file.id, 'complete')
    await fileState(bob, b.file.id, 'offered')
    assert.ok(done.savedTo?.startsWith(join(bobDir, 'downloads')), `auto-accepted into the profile (${done.savedTo})`)
    assert.ok((await leftOf(bobDir, 'files', a.file.id)).length > 0, 'bob holds its chunks before the timer')
    assert.ok((await leftOf(aliceDir, 'files', a.file.id)).length > 0, 'alice holds her sealed copy before the timer')

    await waitFor(async () => {
      const held = [...await alice.listFiles(), ...await bob.listFiles()].filter(f => f.id === a.file.id || f.id === b.file.id)
      return held.length === 0
    }, { timeout: 60_000, message: 'both files to leave both sides\' lists with their messages' })
    for (const [node, dataDir] of [[alice, aliceDir], [bob, bobDir]] as const) {
      for (const id of [a.file.id, b.file.id]) {
        assert.equal(await (node as any).files.records.get(id), undefined, 'the record, and the file key in it, are deleted')
        await waitFor(async () => (await leftOf(dataDir, 'files', id)).length === 0, { timeout: 10_000, message: `no chunk file of ${id.slice(0, 8)} left` })
      }
      assert.equal((await node.listMessages(node === alice ? bob.peerId : alice.peerId)).some(m => m.id === a.id || m.id === b.id), false)
    }
    assert.deepEqual(await readdir(join(bobDir, 'downloads')), [], 'the copy saved into the profile is gone')
    await assert.rejects(bob.acceptFile(b.file.id), (err: any) => err.name === 'FileNotFoundError', 'an expired offer cannot be accepted')
  })
})
