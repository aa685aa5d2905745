import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { createNetwork, removeDir, tempDir, waitFor, type Network } from '../fixtures/index.ts'
import { formGroup, link } from '../groups/helpers.ts'
import { fileState, randomFile, sha256Of } from './helpers.ts'
import { CHUNK_SIZE } from '../../protocols/file/index.ts'
import { unhex } from '../../node/hex.ts'

/** the author and five members; one more node that is not in the group */
const MEMBERS = 6
const SIZE = 32 * CHUNK_SIZE

describe('a file sent to a group, served by the swarm', { timeout: 180_000 }, () => {
  let network: Network
  let dir: string
  let group: string

  before(async () => {
    network = await createNetwork(MEMBERS + 1)
    dir = await tempDir('hyphae-group-files-')
    const members = network.nodes.slice(0, MEMBERS)
    group = (await formGroup(members, 'leaflets')).id
    // members reach each other, not only the author (the invite dials the author)
    for (let i = 1; i < MEMBERS; i++) {
      for (let j = i + 1; j < MEMBERS; j++) await link(members[i], members[j])
    }
  })

  after(async () => {
    await network?.stop()
    if (dir != null) await removeDir(dir)
  })

  it('reaches every member with the same SHA-256, the author uploading less than a copy per member', async () => {
    const members = network.nodes.slice(0, MEMBERS)
    const [author, ...others] = members
    const { path, sha256 } = await randomFile(dir, 'leaflet.bin', SIZE)
    const sent = await author.sendFile(group, path, { group: true })
    assert.equal(sent.file.group, group)
    const id = sent.file.id
    // the offer arrives as a group message, with the file's summary
    for (const m of others) {
      const message = await waitFor(async () => (await m.listGroupMessages(group)).find(x => x.id === sent.id), { message: 'the offer to arrive in the group' })
      assert.deepEqual(message.file, { id, name: 'leaflet.bin', size: SIZE })
      const offered = (await m.listFiles({ contact: group })).find(f => f.id === id)
      assert.equal(offered?.state, 'offered')
      assert.equal(offered?.author, author.peerId)
    }
    // all accept at once, as a group would
    await Promise.all(others.map(async m => m.acceptFile(id)))
    for (const m of others) {
      const done = await fileState(m, id, 'complete', 120_000)
      assert.equal(await sha256Of(done.savedTo!), sha256)
    }
    const byAuthor = author.files.uploaded(id)
    const byMembers = others.reduce((sum, m) => sum + m.files.uploaded(id), 0)
    // every byte came from someone; the author sent less than one copy to each of the others
    assert.ok(byAuthor + byMembers >= SIZE * others.length, `uploads add up to ${byAuthor + byMembers}`)
    assert.ok(byAuthor < SIZE * others.length, `the author uploaded ${byAuthor} bytes, ${(byAuthor / SIZE).toFixed(2)}x the file: the swarm did not share`)
    assert.ok(byMembers > 0, 'no member served another')
  })

  it('refuses a node outside the group that asks for the chunks by root', async () => {
    const [author, member] = network.nodes
    const outsider = network.nodes[MEMBERS]
    const file = (await author.listFiles()).find(f => f.direction === 'out' && f.group === group)
    assert.ok(file != null, 'the first test sent a file')
    // the outsider learnt the root somehow (it names nothing else: no key): still refused
    for (const holder of [author, member]) {
      await link(outsider, holder)
      const before = holder.files.uploaded(file.id)
      await assert.rejects(
        outsider.libp2p.services.file.fetch(peerIdFromString(holder.peerId), { root: unhex(file.id) as Uint8Array<ArrayBuffer>, start: 0, count: 4 }, async () => { assert.fail('a chunk reached a non-member') }),
        (err: any) => err.name === 'FileRefusedError'
      )
      assert.equal(holder.files.uploaded(file.id), before)
    }
    // the same request from a member is served (the refusal is about membership, not the request)
    const got: number[] = []
    await member.libp2p.services.file.fetch(peerIdFromString(author.peerId), { root: unhex(file.id) as Uint8Array<ArrayBuffer>, start: 0, count: 0 }, async c => { got.push(c.index) })
    assert.deepEqual(got, [])
  })
})
