import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FileOffer, FileStatus, type FileAnswer, type FileChunk, type FileRequestHandler } from '../../protocols/file/index.ts'
import { sanitizeFileName } from '../../node/files/names.ts'
import { unhex } from '../../node/hex.ts'
import { addressOf, createNetwork, removeDir, tempDir, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther } from '../messaging/helpers.ts'
import { fileState, randomFile, sha256Of } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

/** Makes `node` serve through `wrap`: a hostile or slow peer, from the same code. */
function serveThrough (node: HyphaeMessenger, wrap: (chunk: FileChunk) => Promise<FileChunk>): () => void {
  const service = node.libp2p.services.file
  const original = service.onRequest as FileRequestHandler
  service.onRequest = async (from, request, options): Promise<FileAnswer> => {
    const answer = await original(from, request, options)
    if (answer.chunks == null) return answer
    const chunks = answer.chunks
    return { ...answer, chunks: (async function * () { for await (const chunk of chunks) yield await wrap(chunk) })() }
  }
  return () => { service.onRequest = original }
}

describe('files from a hostile or failing peer', () => {
  let network: Network
  let dir: string
  before(async () => {
    network = await createNetwork(3)
    dir = await tempDir('hyphae-files-')
    const [alice, bob, carol] = network.nodes
    await addEachOther([alice, bob, carol])
    await alice.connect(addressOf(bob))
    await carol.connect(addressOf(alice))
  })
  after(async () => {
    await network.stop()
    await removeDir(dir)
  })

  it('a corrupted chunk is refused and fetched again; the file comes out whole', async () => {
    const [alice, bob] = network.nodes
    const { path, sha256 } = await randomFile(dir, 'corrupt.bin', 3 << 20)
    let corrupted = 0
    const restore = serveThrough(alice, async chunk => {
      if (chunk.index !== 5 || corrupted > 0) return chunk
      corrupted++
      const data = Uint8Array.from(chunk.data)
      data[100] ^= 0xff
      return { ...chunk, data }
    })
    try {
      const sent = await alice.sendFile(bob.peerId, path)
      await waitFor(async () => (await bob.listFiles()).some(f => f.id === sent.file.id), { message: 'the offer' })
      await bob.acceptFile(sent.file.id)
      const done = await fileState(bob, sent.file.id, 'complete')
      assert.equal(corrupted, 1)
      assert.equal(done.refusedChunks, 1)
      assert.equal(await sha256Of(done.savedTo!), sha256)
    } finally {
      restore()
    }
  })

  it('a chunk with a forged Merkle path is refused too', async () => {
    const [alice, bob] = network.nodes
    const { path, sha256 } = await randomFile(dir, 'proof.bin', 1 << 20)
    let forged = 0
    const restore = serveThrough(alice, async chunk => {
      if (chunk.index !== 1 || forged > 0) return chunk
      forged++
      return { ...chunk, proof: chunk.proof.map(p => p.map(b => b ^ 1)) }
    })
    try {
      const sent = await alice.sendFile(bob.peerId, path)
      await waitFor(async () => (await bob.listFiles()).some(f => f.id === sent.file.id), { message: 'the offer' })
      await bob.acceptFile(sent.file.id)
      const done = await fileState(bob, sent.file.id, 'complete')
      assert.equal(done.refusedChunks, 1)
      assert.equal(await sha256Of(done.savedTo!), sha256)
    } finally {
      restore()
    }
  })

  it('an offer naming a root we already know cannot take over that file\'s record', async () => {
    const [alice, bob, carol] = network.nodes
    const { path } = await randomFile(dir, 'mine.bin', 100_000)
    const sent = await alice.sendFile(bob.peerId, path)
    await waitFor(async () => (await bob.listFiles()).some(f => f.id === sent.file.id), { message: 'the offer' })
    // carol (a contact of bob's) offers the same root with another key, name and size
    const forged = FileOffer.encode({ root: unhex(sent.file.id) as Uint8Array<ArrayBuffer>, key: new Uint8Array(32).fill(9), name: 'other.bin', size: 5n, chunkSize: 256 * 1024, mime: '' })
    const m = await carol.direct.sendFile(bob.peerId, '[file] other.bin', forged, { id: sent.file.id, name: 'other.bin', size: 5 })
    await waitFor(async () => (await bob.listMessages(carol.peerId)).some(x => x.id === m.id), { message: 'carol\'s offer' })
    const kept = (await bob.listFiles()).find(f => f.id === sent.file.id)
    assert.equal(kept?.conversation, alice.peerId)
    assert.equal(kept?.name, 'mine.bin')
    assert.equal(kept?.size, 100_000)
  })

  it('only the contact a file was sent to may fetch it', async () => {
    const [alice, bob, carol] = network.nodes
    const { path } = await randomFile(dir, 'private.bin', 100_000)
    const sent = await alice.sendFile(bob.peerId, path)
    await assert.rejects(carol.libp2p.services.file.fetch(alice.libp2p.peerId, { root: unhex(sent.file.id) as Uint8Array<ArrayBuffer>, start: 0, count: 1 }, async () => {}),
      (err: any) => err.name === 'FileRefusedError' && err.status === FileStatus.UNKNOWN_FILE)
  })

  it('a file name from the network cannot leave the folder or hide control characters', async () => {
    const [, bob] = network.nodes
    for (const [name, safe] of [
      ['../../.bashrc', 'bashrc'], ['..\\..\\evil.exe', 'evil.exe'], ['/etc/passwd', 'passwd'], ['..', 'file'], ['', 'file'],
      ['a\u0000b\u001b[31m.txt', 'ab[31m.txt'], ['cv\u202egnp.exe', 'cvgnp.exe'], ['CON', '_CON'], ['x'.repeat(300) + '.pdf', 'x'.repeat(196) + '.pdf']
    ]) assert.equal(sanitizeFileName(name), safe, JSON.stringify(name))
    // an offer's name is sanitized before it is stored or shown
    const offer = FileOffer.encode({ root: new Uint8Array(32).fill(7), key: new Uint8Array(32), name: '../../../home/bob/.ssh/authorized_keys', size: 10n, chunkSize: 256 * 1024, mime: '' })
    const kept = bob.files.offerOps(network.nodes[0].peerId, '00'.repeat(16), offer)
    assert.equal(kept?.file.name, 'authorized_keys')
    // and numbers out of bounds make no record at all
    assert.equal(bob.files.offerOps(network.nodes[0].peerId, '00'.repeat(16), FileOffer.encode({ root: new Uint8Array(32), key: new Uint8Array(32), name: 'x', size: 1n << 40n, chunkSize: 256 * 1024, mime: '' })), undefined)
    assert.equal(bob.files.offerOps(network.nodes[0].peerId, '00'.repeat(16), FileOffer.encode({ root: new Uint8Array(32), key: new Uint8Array(32), name: 'x', size: 10n, chunkSize: 1, mime: '' })), undefined)
  })
})

describe('a download resumes after either side restarts', () => {
  let network: Network
  let dir: string
  before(async () => {
    network = await createNetwork(2)
    dir = await tempDir('hyphae-files-')
    await addEachOther(network.nodes)
    await network.nodes[0].connect(addressOf(network.nodes[1]))
  })
  after(async () => {
    await network.stop()
    await removeDir(dir)
  })

  /** alice serves slowly (a chunk per 40 ms), so a restart lands mid-download; returns chunks served */
  function slow (node: HyphaeMessenger): { served: () => number, restore: () => void } {
    let served = 0
    const restore = serveThrough(node, async chunk => {
      await new Promise(resolve => setTimeout(resolve, 40))
      served++
      return chunk
    })
    return { served: () => served, restore }
  }

  it('the receiver restarts: it goes on from its last checkpoint, and the SHA-256 matches', async () => {
    const [alice] = network.nodes
    let bob = network.nodes[1]
    const { path, sha256 } = await randomFile(dir, 'resume-receiver.bin', 12 << 20)
    const server = slow(alice)
    try {
      const sent = await alice.sendFile(bob.peerId, path)
      await waitFor(async () => (await bob.listFiles()).some(f => f.id === sent.file.id), { message: 'the offer' })
      await bob.acceptFile(sent.file.id)
      await waitFor(async () => ((await bob.listFiles()).find(f => f.id === sent.file.id)?.received ?? 0) >= 4 << 20, { message: 'a third of the file', timeout: 30_000 })
      bob = await network.restart(1, { listen: [`/ip4/127.0.0.1/tcp/0`] })
      await bob.connect(addressOf(alice))
      const before = server.served()
      const done = await fileState(bob, sent.file.id, 'complete', 60_000)
      assert.equal(await sha256Of(done.savedTo!), sha256)
      // 48 chunks in all: what was checkpointed before the restart was not fetched again
      assert.ok(server.served() - before < 48, `fetched ${server.served() - before} chunks after the restart`)
    } finally {
      server.restore()
    }
  })

  it('the sender restarts mid-download: the receiver waits and goes on', async () => {
    let alice = network.nodes[0]
    const bob = network.nodes[1]
    const { path, sha256 } = await randomFile(dir, 'resume-sender.bin', 12 << 20)
    const server = slow(alice)
    const sent = await alice.sendFile(bob.peerId, path)
    await waitFor(async () => (await bob.listFiles()).some(f => f.id === sent.file.id), { message: 'the offer' })
    await bob.acceptFile(sent.file.id)
    await waitFor(async () => ((await bob.listFiles()).find(f => f.id === sent.file.id)?.received ?? 0) >= 4 << 20, { message: 'a third of the file', timeout: 30_000 })
    server.restore()
    alice = await network.restart(0, { listen: ['/ip4/127.0.0.1/tcp/0'] })
    await alice.connect(addressOf(bob))
    const done = await fileState(bob, sent.file.id, 'complete', 60_000)
    assert.equal(await sha256Of(done.savedTo!), sha256)
  })
})
