import { randomFillSync } from 'node:crypto'
import { open, unlink } from 'node:fs/promises'

const CHUNK = 1 << 20

/**
 * Overwrites a file with random bytes, syncs, then unlinks it; a missing file is fine. On flash
 * and copy-on-write file systems the old blocks may survive: what protects them is that the keys
 * that decrypt them are gone.
 */
export async function shred (path: string): Promise<void> {
  let fh
  try {
    fh = await open(path, 'r+')
  } catch (err: any) {
    if (err.code === 'ENOENT') return
    throw err
  }
  try {
    const { size } = await fh.stat()
    const chunk = Buffer.alloc(Math.min(CHUNK, Math.max(size, 1)))
    for (let at = 0; at < size; at += chunk.byteLength) {
      randomFillSync(chunk)
      await fh.write(chunk, 0, Math.min(chunk.byteLength, size - at), at)
    }
    await fh.sync()
  } finally {
    await fh.close()
  }
  await unlink(path)
}
