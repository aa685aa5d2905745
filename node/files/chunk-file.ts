/**
 * One file's encrypted chunks on disk, under the profile: `<root>.data` holds chunk i at
 * i * (chunkSize + 16), sealed (see chunk-crypto.ts), and `<root>.state` which chunks are held and
 * checked (a bitmap) with the Merkle nodes learnt from their paths. The state is written (after
 * the data is synced) at checkpoints, so after a crash or kill -9 a download resumes from the
 * last checkpoint; chunks written after it are fetched again. Nothing here is readable without
 * the file's key, which lives in the encrypted store.
 */
import { randomBytes } from 'node:crypto'
import { open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { TAG_BYTES } from '../../protocols/file/index.ts'
import { openChunk, sealChunk } from './chunk-crypto.ts'
import { HASH_BYTES, MerkleTree, leafHash, verifyProof } from './merkle.ts'

const STATE_MAGIC = 0x48594631 // "HYF1"

export interface FileLayout {
  /** plaintext bytes */
  size: number
  chunkSize: number
}

export function chunkCount (layout: FileLayout): number {
  return Math.max(1, Math.ceil(layout.size / layout.chunkSize))
}

/** Bytes of chunk `index` once sealed. */
export function sealedLength (layout: FileLayout, index: number): number {
  const n = chunkCount(layout)
  return (index < n - 1 ? layout.chunkSize : layout.size - (n - 1) * layout.chunkSize) + TAG_BYTES
}

function bit (map: Uint8Array, i: number): boolean {
  return (map[i >> 3] & (1 << (i & 7))) !== 0
}

export class ChunkFile {
  readonly root: Uint8Array
  readonly layout: FileLayout
  readonly n: number
  readonly tree: MerkleTree
  /** bit i: chunk i is on disk and was checked against the root */
  readonly have: Uint8Array
  private readonly handle: FileHandle
  private readonly statePath: string
  private held: number
  private dirty = false

  private constructor (root: Uint8Array, layout: FileLayout, handle: FileHandle, statePath: string, tree: MerkleTree, have: Uint8Array) {
    this.root = root
    this.layout = layout
    this.n = chunkCount(layout)
    this.handle = handle
    this.statePath = statePath
    this.tree = tree
    this.have = have
    this.held = 0
    for (let i = 0; i < this.n; i++) if (bit(have, i)) this.held++
  }

  static paths (dir: string, id: string): { data: string, state: string } {
    return { data: join(dir, `${id}.data`), state: join(dir, `${id}.state`) }
  }

  /** Opens (creating it empty) the store of the file named by `root`, with what its state says it holds. */
  static async open (dir: string, root: Uint8Array, layout: FileLayout): Promise<ChunkFile> {
    const id = Buffer.from(root).toString('hex')
    const paths = ChunkFile.paths(dir, id)
    const n = chunkCount(layout)
    const handle = await open(paths.data, 'a+').then(async h => { await h.close(); return open(paths.data, 'r+', 0o600) })
    let tree = new MerkleTree(n)
    let have = new Uint8Array(Math.ceil(n / 8))
    try {
      const state = await readFile(paths.state)
      const view = new DataView(state.buffer, state.byteOffset, state.byteLength)
      const bitmapBytes = Math.ceil(n / 8)
      if (state.byteLength === 8 + bitmapBytes + tree.nodes.byteLength && view.getUint32(0) === STATE_MAGIC && view.getUint32(4) === n) {
        have = Uint8Array.from(state.subarray(8, 8 + bitmapBytes))
        tree = new MerkleTree(n, Uint8Array.from(state.subarray(8 + bitmapBytes)))
      }
    } catch (err: any) {
      if (err.code !== 'ENOENT') throw err
    }
    return new ChunkFile(root, layout, handle, paths.state, tree, have)
  }

  /**
   * Seals a plaintext file chunk by chunk into the store (never more than a chunk in memory) and
   * returns it, named by its Merkle root, with every chunk held.
   */
  static async seal (dir: string, path: string, key: Uint8Array, chunkSize: number, onProgress?: (bytes: number) => void): Promise<ChunkFile> {
    const source = await open(path, 'r')
    const tmp = join(dir, `.sealing-${randomBytes(8).toString('hex')}`)
    const out = await open(tmp, 'w', 0o600)
    try {
      const { size } = await source.stat()
      const layout = { size, chunkSize }
      const n = chunkCount(layout)
      const leaves: Uint8Array[] = []
      const buf = Buffer.alloc(chunkSize)
      for (let i = 0; i < n; i++) {
        const length = i < n - 1 ? chunkSize : size - (n - 1) * chunkSize
        let read = 0
        while (read < length) {
          const { bytesRead } = await source.read(buf, read, length - read, i * chunkSize + read)
          if (bytesRead === 0) throw new Error(`${path} shrank while it was being read`)
          read += bytesRead
        }
        const sealed = sealChunk(key, i, i === n - 1, buf.subarray(0, length))
        leaves.push(leafHash(i, sealed))
        await out.write(sealed, 0, sealed.byteLength, i * (chunkSize + TAG_BYTES))
        onProgress?.(i * chunkSize + length)
      }
      await out.sync()
      await out.close()
      const tree = MerkleTree.build(leaves)
      const root = tree.root()
      const paths = ChunkFile.paths(dir, Buffer.from(root).toString('hex'))
      await rename(tmp, paths.data)
      const have = new Uint8Array(Math.ceil(n / 8)).fill(0xff)
      const file = new ChunkFile(root, layout, await open(paths.data, 'r+'), paths.state, tree, have)
      file.dirty = true
      await file.checkpoint()
      return file
    } catch (err) {
      await out.close().catch(() => {})
      await rm(tmp, { force: true })
      throw err
    } finally {
      await source.close()
    }
  }

  get count (): number {
    return this.held
  }

  get complete (): boolean {
    return this.held === this.n
  }

  has (index: number): boolean {
    return index >= 0 && index < this.n && bit(this.have, index)
  }

  /** Indexes of the chunks not held yet, in order. */
  missing (): number[] {
    const out: number[] = []
    for (let i = 0; i < this.n; i++) if (!bit(this.have, i)) out.push(i)
    return out
  }

  async read (index: number): Promise<Uint8Array> {
    const length = sealedLength(this.layout, index)
    const buf = new Uint8Array(length)
    const { bytesRead } = await this.handle.read(buf, 0, length, index * (this.layout.chunkSize + TAG_BYTES))
    if (bytesRead !== length) throw new Error(`chunk ${index} is short on disk`)
    return buf
  }

  /** Checks a chunk against the root (its length, its leaf, its path) and keeps it; false: refused. */
  async write (index: number, data: Uint8Array, proof: Uint8Array[]): Promise<boolean> {
    if (index < 0 || index >= this.n || data.byteLength !== sealedLength(this.layout, index)) return false
    if (proof.some(p => p.byteLength !== HASH_BYTES)) return false
    const leaf = leafHash(index, data)
    if (!verifyProof(this.root, this.n, index, leaf, proof)) return false
    if (this.has(index)) return true
    await this.handle.write(data, 0, data.byteLength, index * (this.layout.chunkSize + TAG_BYTES))
    this.tree.absorb(index, leaf, proof)
    this.have[index >> 3] |= 1 << (index & 7)
    this.held++
    this.dirty = true
    return true
  }

  /** Syncs the data, then writes the state that names it (atomically): what a restart resumes from. */
  async checkpoint (): Promise<void> {
    if (!this.dirty) return
    this.dirty = false
    await this.handle.datasync()
    const state = new Uint8Array(8 + this.have.byteLength + this.tree.nodes.byteLength)
    const view = new DataView(state.buffer)
    view.setUint32(0, STATE_MAGIC)
    view.setUint32(4, this.n)
    state.set(this.have, 8)
    state.set(this.tree.nodes, 8 + this.have.byteLength)
    const tmp = `${this.statePath}.tmp`
    await writeFile(tmp, state, { mode: 0o600 })
    await rename(tmp, this.statePath)
  }

  /**
   * Opens every chunk with the file's key and writes the plaintext to `path` (created, never
   * overwritten), through a temporary name renamed once complete. A chunk changed on disk fails.
   */
  async decryptTo (key: Uint8Array, path: string, tmp: string): Promise<void> {
    const out = await open(tmp, 'wx', 0o600)
    try {
      for (let i = 0; i < this.n; i++) {
        const plain = openChunk(key, i, i === this.n - 1, await this.read(i))
        await out.write(plain, 0, plain.byteLength, i * this.layout.chunkSize)
      }
      await out.sync()
      await out.close()
      // link + unlink would refuse an existing name; the caller picked a free one
      await rename(tmp, path)
    } catch (err) {
      await out.close().catch(() => {})
      await rm(tmp, { force: true })
      throw err
    }
  }

  async close (): Promise<void> {
    await this.checkpoint().catch(() => {})
    await this.handle.close()
  }

  /** Deletes the data and the state of a file. */
  static async remove (dir: string, id: string): Promise<void> {
    const paths = ChunkFile.paths(dir, id)
    await rm(paths.data, { force: true })
    await rm(paths.state, { force: true })
  }

  static async exists (dir: string, id: string): Promise<boolean> {
    return stat(ChunkFile.paths(dir, id).data).then(() => true, () => false)
  }
}
