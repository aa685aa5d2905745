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

const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => {} }) as any

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

  /**
   * A 40-chunk file sealed by the author, chunks `from`-`to` (exclusive) already held by the
   * member (checked against the root, as it got them), and the fetcher's empty copy.
   */
  async function files (name: string, from: number, to: number): Promise<{ key: Uint8Array, sha256: string, full: ChunkFile, part: ChunkFile, mine: ChunkFile }> {
    const { path, sha256 } = await randomFile(dir, `${name}.bin`, 40 * CHUNK_SIZE)
    const key = newFileKey()
    for (const d of ['author', 'member', 'fetcher']) await mkdir(`${dir}/${name}-${d}`)
    const full = await ChunkFile.seal(`${dir}/${name}-author`, path, key, CHUNK_SIZE)
    const part = await ChunkFile.open(`${dir}/${name}-member`, full.root, full.layout)
    for (let i = from; i < to; i++) assert.equal(await part.write(i, await full.read(i), full.tree.proof(i)), true)
    const mine = await ChunkFile.open(`${dir}/${name}-fetcher`, full.root, full.layout)
    return { key, sha256, full, part, mine }
  }

  /** Fetches `mine` from `sources` to the end, then checks the plaintext's SHA-256. */
  async function fetchAll (mine: ChunkFile, sources: Node[], key: Uint8Array, sha256: string, lastResort?: Node): Promise<void> {
    const download = new Download({
      file: mine,
      transfer: nodes[2].services.file,
      sources: async () => sources.map(n => n.peerId.toString()),
      ...(lastResort != null ? { lastResort: lastResort.peerId.toString() } : {}),
      log: quiet,
      onChunk: () => {},
      onRefused: () => { assert.fail('a good chunk refused') }
    })
    await download.run()
    assert.equal(mine.complete, true)
    await mine.decryptTo(key, `${dir}/out.bin`, `${dir}/out.tmp`)
    assert.equal(await sha256Of(`${dir}/out.bin`), sha256)
  }

  it('takes chunks from whoever holds them, as each one\'s bitmap says, and checks every one', async () => {
    const [author, member, fetcher] = nodes
    // the member already holds the first half
    const { key, sha256, full, part, mine } = await files('leaflet', 0, 20)
    const fromAuthor = serve(author, full)
    const fromMember = serve(member, part)
    for (const n of [author, member]) await fetcher.dial(n.getMultiaddrs()[0])
    await fetchAll(mine, [member, author], key, sha256)
    // the member served some of its half and nothing past it; the author the rest
    assert.ok(fromMember.served > 0, 'the member served nothing')
    assert.ok(fromMember.served <= 20)
    assert.equal(fromAuthor.served + fromMember.served, 40, 'no chunk was fetched twice')
    await Promise.all([full.close(), part.close(), mine.close()])
  })

  it('asks the last resort (a group file\'s author) only for what no other source holds', async () => {
    const [author, member] = nodes
    // the member holds chunks 10-29; the author every chunk, and it is asked first
    const { key, sha256, full, part, mine } = await files('poster', 10, 30)
    const fromAuthor = serve(author, full)
    const fromMember = serve(member, part)
    await fetchAll(mine, [author, member], key, sha256, author)
    assert.equal(fromMember.served, 20, 'the member served every chunk it holds')
    assert.equal(fromAuthor.served, 20, 'the author served only the chunks the member lacks')
    await Promise.all([full.close(), part.close(), mine.close()])
  })
})
