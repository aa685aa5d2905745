import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { CHUNK_SIZE, FileStatus, fileTransfer, type FileChunk, type FileTransfer } from '../../protocols/file/index.ts'
import { ChunkFile } from '../../node/files/chunk-file.ts'
import { newFileKey } from '../../node/files/chunk-crypto.ts'
import { Download } from '../../node/files/download.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'
import { randomFile, sha256Of } from './helpers.ts'

type Node = Libp2p<{ file: FileTransfer }>

async function node (): Promise<Node> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { file: fileTransfer() }
  })
}

/** Serves what `file` holds (as Files does), counting the chunks sent. */
function serve (n: Node, file: ChunkFile): { served: number } {
  const count = { served: 0 }
  n.services.file.onRequest = async (_from, request) => {
    if (Buffer.compare(request.root, file.root) !== 0) return { status: FileStatus.UNKNOWN_FILE }
    return {
      status: FileStatus.OK,
      have: file.have,
      chunks: (async function * (): AsyncGenerator<FileChunk> {
        for (let i = request.start; i < Math.min(file.n, request.start + request.count); i++) {
          if (!file.has(i)) continue
          count.served++
          yield { index: i, data: await file.read(i) as Uint8Array<ArrayBuffer>, proof: file.tree.proof(i) as Array<Uint8Array<ArrayBuffer>> }
        }
      })()
    }
  }
  return count
}

describe('a download from several peers (the swarm\'s engine)', () => {
  let dir: string
  const nodes: Node[] = []
  before(async () => {
    dir = await tempDir('hyphae-swarm-')
    for (let i = 0; i < 3; i++) nodes.push(await node())
  })
  after(async () => {
    await Promise.all(nodes.map(async n => n.stop()))
    await removeDir(dir)
  })

  it('takes chunks from whoever holds them, as each one\'s bitmap says, and checks every one', async () => {
    const [author, member, fetcher] = nodes
    const { path, sha256 } = await randomFile(dir, 'leaflet.bin', 40 * CHUNK_SIZE)
    const key = newFileKey()
    for (const d of ['author', 'member', 'fetcher']) await mkdir(`${dir}/${d}`)
    const full = await ChunkFile.seal(`${dir}/author`, path, key, CHUNK_SIZE)
    // the member already holds the first half (checked against the root, as it got it)
    const half = await ChunkFile.open(`${dir}/member`, full.root, full.layout)
    for (let i = 0; i < 20; i++) assert.equal(await half.write(i, await full.read(i), full.tree.proof(i)), true)
    const fromAuthor = serve(author, full)
    const fromMember = serve(member, half)
    for (const n of [author, member]) await fetcher.dial(n.getMultiaddrs()[0])

    const mine = await ChunkFile.open(`${dir}/fetcher`, full.root, full.layout)
    const download = new Download({
      file: mine,
      transfer: fetcher.services.file,
      sources: async () => [member.peerId.toString(), author.peerId.toString()],
      log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => {} }) as any,
      onChunk: () => {},
      onRefused: () => { assert.fail('a good chunk refused') }
    })
    await download.run()
    assert.equal(mine.complete, true)
    // the member served some of its half and nothing past it; the author the rest
    assert.ok(fromMember.served > 0, 'the member served nothing')
    assert.ok(fromMember.served <= 20)
    assert.equal(fromAuthor.served + fromMember.served, 40, 'no chunk was fetched twice')
    await mine.decryptTo(key, `${dir}/out.bin`, `${dir}/out.tmp`)
    assert.equal(await sha256Of(`${dir}/out.bin`), sha256)
    await Promise.all([full.close(), half.close(), mine.close()])
  })

  it('asks the last resort (a group file\'s author) only for what no other source holds', async () => {
    const [author, member, fetcher] = nodes
    const { path, sha256 } = await randomFile(dir, 'poster.bin', 40 * CHUNK_SIZE)
    const key = newFileKey()
    for (const d of ['author2', 'member2', 'fetcher2']) await mkdir(`${dir}/${d}`)
    const full = await ChunkFile.seal(`${dir}/author2`, path, key, CHUNK_SIZE)
    // the member holds chunks 10-29; the author every chunk, and it is asked first
    const part = await ChunkFile.open(`${dir}/member2`, full.root, full.layout)
    for (let i = 10; i < 30; i++) assert.equal(await part.write(i, await full.read(i), full.tree.proof(i)), true)
    const fromAuthor = serve(author, full)
    const fromMember = serve(member, part)

    const mine = await ChunkFile.open(`${dir}/fetcher2`, full.root, full.layout)
    const download = new Download({
      file: mine,
      transfer: fetcher.services.file,
      sources: async () => [author.peerId.toString(), member.peerId.toString()],
      lastResort: author.peerId.toString(),
      log: Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => {} }) as any,
      onChunk: () => {},
      onRefused: () => { assert.fail('a good chunk refused') }
    })
    await download.run()
    assert.equal(mine.complete, true)
    assert.equal(fromMember.served, 20, 'the member served every chunk it holds')
    assert.equal(fromAuthor.served, 20, 'the author served only the chunks the member lacks')
    await mine.decryptTo(key, `${dir}/out2.bin`, `${dir}/out2.tmp`)
    assert.equal(await sha256Of(`${dir}/out2.bin`), sha256)
    await Promise.all([full.close(), part.close(), mine.close()])
  })
})
