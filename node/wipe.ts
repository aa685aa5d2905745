import { readdir, rmdir, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { NotInitializedError } from './errors.ts'
import { KEY_FILE } from './identity.ts'
import { openLevel, removeStore } from './store/database.ts'
import { shred } from './store/shred.ts'

export interface WipeResult {
  /** what was shredded, in order */
  removed: string[]
  /** files in the profile that hyphae did not write: left where they are */
  leftAlone: string[]
}

/** What a profile holds that opens the rest (or is readable without it): destroyed first, so a wipe cut short still leaves nothing readable. */
const KEYS = [KEY_FILE, 'website', 'libp2p']
/** the rest: the store, an interrupted migration's copies, the daemon's socket, files sent and received (sealed, then saved) */
const REST = ['db', 'db.new', 'db.encrypted', 'db.plaintext', 'hyphae.sock', 'files', 'downloads']

async function exists (path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

/**
 * Destroys a profile: its keys first (identity.key, which holds the data key; the website
 * certificate; a plaintext libp2p datastore from an old version), each file overwritten before
 * it is unlinked, then the store (which holds libp2p's datastore now). Holds the profile's lock throughout, so a running profile gets ProfileLockedError and
 * nothing is touched. Only the names hyphae writes are removed: `--data-dir ~` by mistake wipes
 * no one's documents.
 */
export async function wipeProfile (dataDir: string): Promise<WipeResult> {
  if (!(await exists(join(dataDir, KEY_FILE))) && !(await exists(join(dataDir, 'db')))) throw new NotInitializedError(dataDir)
  const removed: string[] = []
  const db = await openLevel(dataDir, 'db')
  let closed = false
  try {
    for (const name of await readdir(dataDir)) {
      // identity.key.<pid>.tmp: a key file being written when a process died
      if (name.startsWith(`${KEY_FILE}.`) && name.endsWith('.tmp')) await destroy(join(dataDir, name), removed)
    }
    for (const name of KEYS) await destroy(join(dataDir, name), removed)
    await db.close()
    closed = true
    for (const name of REST) await destroy(join(dataDir, name), removed)
  } finally {
    if (!closed) await db.close().catch(() => {})
  }
  const leftAlone = await readdir(dataDir).catch(() => [])
  if (leftAlone.length === 0) await rmdir(dataDir)
  return { removed, leftAlone }
}

async function destroy (path: string, removed: string[]): Promise<void> {
  const info = await stat(path).catch(() => undefined)
  if (info == null) return
  if (info.isDirectory()) await removeStore(path)
  else if (info.isFile()) await shred(path)
  else await unlink(path)
  removed.push(path)
}
