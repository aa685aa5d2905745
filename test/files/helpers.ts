import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { waitFor } from '../fixtures/index.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { FileInfo } from '../../node/messenger.ts'

/** Writes `size` random bytes to dir/name, a MiB at a time; returns the path and its SHA-256. */
export async function randomFile (dir: string, name: string, size: number): Promise<{ path: string, sha256: string }> {
  const path = join(dir, name)
  const handle = await open(path, 'w')
  const hash = createHash('sha256')
  try {
    for (let at = 0; at < size; at += 1 << 20) {
      const block = randomBytes(Math.min(1 << 20, size - at))
      hash.update(block)
      await handle.write(block)
    }
  } finally {
    await handle.close()
  }
  return { path, sha256: hash.digest('hex') }
}

export async function sha256Of (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const block of createReadStream(path)) hash.update(block)
  return hash.digest('hex')
}

/** Waits for the file `id` to reach `state` on `node`, and returns it. */
export async function fileState (node: HyphaeMessenger, id: string, state: FileInfo['state'], timeout = 60_000): Promise<FileInfo> {
  let last: FileInfo | undefined
  return waitFor(async () => {
    last = (await node.listFiles()).find(f => f.id === id)
    if (last?.state === 'failed' && state !== 'failed') throw new Error(`the download failed: ${last.error}`)
    return last?.state === state ? last : undefined
  }, { message: () => `file ${id.slice(0, 8)} to be ${state} (it is ${last?.state ?? 'unknown'}, ${last?.received ?? 0} bytes)`, timeout, interval: 100 })
}
