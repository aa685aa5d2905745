import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, describe, it, mock } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CHUNK_SIZE, type ChunkHandler, type FetchResult, type FileRequest, type FileTransfer } from '../../protocols/file/index.ts'
import { ChunkFile } from '../../node/files/chunk-file.ts'
import { newFileKey } from '../../node/files/chunk-crypto.ts'
import { Download } from '../../node/files/download.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'
import type { PeerId } from '@libp2p/interface'
import { randomFile } from './helpers.ts'

const CHUNKS = 6
const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => {} }) as any

describe('the swarm\'s last chunk', () => {
  let dir: string
  before(async () => { dir = await tempDir('hyphae-last-chunk-') })
  after(async () => {
    mock.timers.reset()
    await removeDir(dir)
  })

  it('is fetched from a member that holds it, not waited for from an author past its cap', async () => {
    const { path } = await randomFile(dir, 'leaflet.bin', CHUNKS * CHUNK_SIZE)
    for (const d of ['author', 'fetcher']) await mkdir(`${dir}/${d}`)
    const full = await ChunkFile.seal(`${dir}/author`, path, newFileKey(), CHUNK_SIZE)
    const mine = await ChunkFile.open(`${dir}/fetcher`, full.root, full.layout)
    const last = CHUNKS - 1
    for (let i = 0; i < last; i++) assert.equal(await mine.write(i, await full.read(i), full.tree.proof(i)), true)
    const [author, member] = await Promise.all([0, 1].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    // the author has served the last chunk as often as it will for now: its bitmap leaves it out
    const capped = Uint8Array.from(full.have)
    capped[last >> 3] &= ~(1 << (last & 7))
    const asked: Record<string, number> = { [author]: 0, [member]: 0 }
    const transfer = {
      fetch: async (peer: PeerId, request: FileRequest, onChunk: ChunkHandler): Promise<FetchResult> => {
        asked[peer.toString()]++
        const have = peer.toString() === author ? capped : full.have
        let received = 0
        for (let i = request.start; i < request.start + request.count; i++) {
          if ((have[i >> 3] & (1 << (i & 7))) === 0) continue
          await onChunk({ index: i, data: await full.read(i) as Uint8Array<ArrayBuffer>, proof: full.tree.proof(i) as Array<Uint8Array<ArrayBuffer>> })
          received++
        }
        return { have: have as Uint8Array<ArrayBuffer>, received }
      }
    } as unknown as FileTransfer
    // no timer fires: whatever the download waits for (a poll, a backoff), it waits forever
    mock.timers.enable({ apis: ['setTimeout'] })
    const download = new Download({ file: mine, transfer, sources: async () => [author, member], log: quiet, onChunk: () => {}, onRefused: () => { assert.fail('a good chunk refused') } })
    const run = download.run()
    for (let turns = 0; turns < 200_000 && !mine.complete; turns++) await new Promise(resolve => setImmediate(resolve))
    mock.timers.reset()
    download.stop()
    await run.catch(() => {})
    assert.equal(mine.complete, true, `stalled a chunk short, having asked ${JSON.stringify(asked)}`)
    await Promise.all([full.close(), mine.close()])
  })
})
