import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, describe, it, mock } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CHUNK_SIZE, MalformedFileFrameError, type ChunkHandler, type FetchResult, type FileRequest, type FileTransfer } from '../../protocols/file/index.ts'
import { ChunkFile } from '../../node/files/chunk-file.ts'
import { newFileKey } from '../../node/files/chunk-crypto.ts'
import { Download } from '../../node/files/download.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'
import type { PeerId } from '@libp2p/interface'
import { randomFile, sha256Of } from './helpers.ts'

const CHUNKS = 12
const quiet = Object.assign(() => {}, { error: () => {}, trace: () => {}, enabled: false, newScope: () => {} }) as any

describe('a download whose every connection ends after one chunk (a relay\'s data limit)', () => {
  let dir: string
  before(async () => { dir = await tempDir('hyphae-circuit-ends-') })
  after(async () => {
    mock.timers.reset()
    await removeDir(dir)
  })

  it('asks again at once after a request that brought chunks, without backing off', async () => {
    const { path, sha256 } = await randomFile(dir, 'event.mp4', CHUNKS * CHUNK_SIZE)
    const key = newFileKey()
    for (const d of ['author', 'fetcher']) await mkdir(`${dir}/${d}`)
    const full = await ChunkFile.seal(`${dir}/author`, path, key, CHUNK_SIZE)
    const mine = await ChunkFile.open(`${dir}/fetcher`, full.root, full.layout)
    let requests = 0
    // each request gets its first chunk, then its circuit ends mid-way through the second
    const transfer = {
      fetch: async (_peer: PeerId, request: FileRequest, onChunk: ChunkHandler): Promise<FetchResult> => {
        requests++
        await onChunk({ index: request.start, data: await full.read(request.start) as Uint8Array<ArrayBuffer>, proof: full.tree.proof(request.start) as Array<Uint8Array<ArrayBuffer>> })
        throw new MalformedFileFrameError('the stream ended before its end frame')
      }
    } as unknown as FileTransfer
    const author = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    // no timer ever fires: a download that waits on a backoff between such requests stalls here
    mock.timers.enable({ apis: ['setTimeout'] })
    const download = new Download({ file: mine, transfer, sources: async () => [author], log: quiet, onChunk: () => {}, onRefused: () => { assert.fail('a good chunk refused') } })
    let done = false
    const run = download.run().then(() => { done = true })
    for (let turns = 0; turns < 200_000 && !done; turns++) await new Promise(resolve => setImmediate(resolve))
    mock.timers.reset()
    download.stop()
    await run.catch(() => {})
    assert.equal(done, true, `stalled with ${mine.count} of ${CHUNKS} chunks after ${requests} requests: it backed off`)
    assert.equal(requests, CHUNKS, 'one request per chunk, as each connection carried one')
    await mine.decryptTo(key, `${dir}/out.bin`, `${dir}/out.tmp`)
    assert.equal(await sha256Of(`${dir}/out.bin`), sha256)
    await Promise.all([full.close(), mine.close()])
  })
})
