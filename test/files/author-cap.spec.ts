import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { after, before, describe, it, mock } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CHUNK_SIZE, FileStatus, type FileRequest } from '../../protocols/file/index.ts'
import { ChunkFile } from '../../node/files/chunk-file.ts'
import { newFileKey } from '../../node/files/chunk-crypto.ts'
import { AUTHOR_SERVES_PER_CHUNK, FileServer } from '../../node/files/file-server.ts'
import { hex } from '../../node/hex.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'
import { randomFile } from './helpers.ts'
import type { FileRecord, FileRecords } from '../../node/files/file-records.ts'
import type { PeerId } from '@libp2p/interface'

const CHUNKS = 4

describe('a group file\'s author past its cap', () => {
  let dir: string
  let full: ChunkFile
  let server: FileServer
  let member: PeerId
  before(async () => {
    dir = await tempDir('hyphae-author-cap-')
    const { path } = await randomFile(dir, 'leaflet.bin', CHUNKS * CHUNK_SIZE)
    await mkdir(`${dir}/author`)
    full = await ChunkFile.seal(`${dir}/author`, path, newFileKey(), CHUNK_SIZE)
    const record = { id: hex(full.root), group: 'g', conversation: 'g', direction: 'out', state: 'shared', size: CHUNKS * CHUNK_SIZE, chunkSize: CHUNK_SIZE } as unknown as FileRecord
    const records = { get: async () => record, file: async () => full, progress: () => {}, emit: () => {} } as unknown as FileRecords
    server = new FileServer({ records, groupMember: async () => true })
    member = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  })
  after(async () => {
    mock.timers.reset()
    await full.close()
    await removeDir(dir)
  })

  /** Asks for every chunk; returns the indexes served and how many chunks the bitmap offered. */
  async function ask (stranded?: boolean): Promise<{ served: number[], offered: number }> {
    const request: FileRequest = { root: full.root as Uint8Array<ArrayBuffer>, start: 0, count: CHUNKS, ...(stranded != null ? { stranded } : {}) }
    const answer = await server.serve(member, request, {})
    assert.equal(answer.status, FileStatus.OK)
    const served: number[] = []
    for await (const chunk of answer.chunks!) served.push(chunk.index)
    let offered = 0
    for (let i = 0; i < CHUNKS; i++) if ((answer.have![i >> 3] & (1 << (i & 7))) !== 0) offered++
    return { served, offered }
  }

  it('serves a chunk again only to an asker stranded for want of it, and only once it has rested', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 })
    for (let k = 0; k < AUTHOR_SERVES_PER_CHUNK; k++) assert.deepEqual((await ask()).served, [0, 1, 2, 3])
    assert.deepEqual(await ask(true), { served: [], offered: 0 }, 'its share served, and nothing has rested')
    mock.timers.tick(6_000)
    assert.deepEqual(await ask(), { served: [], offered: 0 }, 'an asker that gets chunks elsewhere takes them from the members')
    assert.deepEqual(await ask(false), { served: [], offered: 0 })
    assert.deepEqual((await ask(true)).served, [0, 1, 2, 3], 'a stranded asker gets what has rested')
    assert.deepEqual((await ask(true)).served, [], 'and the next stranded one waits out a longer rest')
    mock.timers.tick(11_000)
    assert.deepEqual((await ask(true)).served, [0, 1, 2, 3])
  })
})
