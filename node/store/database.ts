import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { Level } from 'level'
import { CorruptStoreError, ProfileLockedError } from '../errors.ts'
import { shred } from './shred.ts'
import { EncryptedLevel, StoreCipher, type Inner } from './encrypted-level.ts'

/** The profile's level database: every store is a sublevel of it, and all of it is encrypted. */
export type Database = EncryptedLevel

/**
 * Opens the raw level database in the profile. LevelDB holds an exclusive OS lock on it, which
 * the kernel drops if the process dies, so a second process gets `ProfileLockedError` and a
 * crashed one never leaves a stale lock behind.
 */
export async function openLevel (dataDir: string, name: string): Promise<Inner> {
  const location = join(dataDir, name)
  await recoverSwap(location)
  await mkdir(location, { recursive: true, mode: 0o700 })
  const db = new Level<string, Uint8Array>(location, { valueEncoding: 'view' })
  try {
    await db.open({ createIfMissing: true })
  } catch (err: any) {
    const cause = err?.cause ?? err
    if (err?.code === 'LEVEL_LOCKED' || cause?.code === 'LEVEL_LOCKED') throw new ProfileLockedError(dataDir)
    if (err?.code === 'LEVEL_CORRUPTION' || cause?.code === 'LEVEL_CORRUPTION') throw new CorruptStoreError(location, cause.message)
    throw new CorruptStoreError(location, cause?.message ?? String(err))
  }
  try {
    await removeLeftovers(location)
  } catch (err) {
    await db.close().catch(() => {})
    throw err
  }
  return db
}

/** Opens (locks) the level database in the profile, encrypted under `dataKey` (32 bytes). */
export async function openDatabase (dataDir: string, name: string, dataKey: Uint8Array): Promise<Database> {
  const inner = await openLevel(dataDir, name)
  try {
    return await encryptedDatabase(inner, dataKey)
  } catch (err) {
    await inner.close().catch(() => {})
    throw err
  }
}

/**
 * The encrypted view of an open level database; a store with no marker is a profile from before
 * encryption, which is encrypted first (see encryptProfileStore).
 */
export async function encryptedDatabase (inner: Inner, dataKey: Uint8Array): Promise<Database> {
  const cipher = new StoreCipher(dataKey, inner.location)
  const marker = await inner.get(EncryptedLevel.marker())
  if (marker == null) {
    await encryptProfileStore(inner, cipher)
  } else if (!cipher.opensMarker(marker)) {
    throw new CorruptStoreError(inner.location, 'the data key in identity.key does not open it (a key file from another profile?)')
  }
  const db = new EncryptedLevel(inner, cipher)
  await db.open()
  return db
}

/**
 * Encrypts a plaintext store into a new database beside it rather than in place: LevelDB keeps
 * old key names in its manifest and info log even after a compaction. Crash-safe by renames:
 * `<db>.new` is written and closed, renamed `<db>.encrypted` (complete), the old store renamed
 * `<db>.plaintext`, the new one renamed `<db>`, then the old one shredded. After a crash, the
 * next open (openLevel) renames a complete copy into place when `<db>` is gone, and otherwise
 * discards the copies, under the lock, and encrypts again. The lock is let go during the renames (a start
 * at that moment fails with ProfileLockedError or finds the store mid-swap and finishes it).
 */
async function encryptProfileStore (inner: Inner, cipher: StoreCipher): Promise<void> {
  const location = inner.location
  const entries = await inner.iterator().all()
  if (entries.length === 0) {
    await inner.put(EncryptedLevel.marker(), cipher.marker(), { sync: true } as any)
    return
  }
  await removeStore(`${location}.new`)
  const next = new Level<string, Uint8Array>(`${location}.new`, { valueEncoding: 'view' })
  await next.open({ createIfMissing: true })
  try {
    const ops = entries.map(([key, value]) => {
      const stored = cipher.names.key(key)
      return { type: 'put' as const, key: stored, value: cipher.seal(key, stored, value) }
    })
    ops.push({ type: 'put', key: EncryptedLevel.marker(), value: cipher.marker() })
    await next.batch(ops, { sync: true } as any)
  } finally {
    await next.close()
  }
  await rename(`${location}.new`, `${location}.encrypted`)
  await inner.close()
  await rename(location, `${location}.plaintext`)
  await rename(`${location}.encrypted`, location)
  await removeStore(`${location}.plaintext`)
  try {
    await inner.open()
  } catch (err: any) {
    if (err?.code === 'LEVEL_LOCKED' || err?.cause?.code === 'LEVEL_LOCKED') throw new ProfileLockedError(dirname(location))
    throw err
  }
}

/** Before the lock: a crash between the two renames of encryptProfileStore left no `<db>`. */
async function recoverSwap (location: string): Promise<void> {
  if (await exists(location) || !(await exists(`${location}.encrypted`))) return
  await rename(`${location}.encrypted`, location).catch((err: any) => {
    if (err.code !== 'ENOENT') throw err // another start renamed it first
  })
}

/** Under the lock: what an interrupted encryptProfileStore left beside the store. */
async function removeLeftovers (location: string): Promise<void> {
  for (const suffix of ['.new', '.encrypted', '.plaintext']) await removeStore(location + suffix)
}

async function exists (path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false)
}

/** Shreds every file of a store directory, then removes it. */
export async function removeStore (location: string): Promise<void> {
  let files
  try {
    files = await readdir(location, { recursive: true, withFileTypes: true })
  } catch (err: any) {
    if (err.code === 'ENOENT') return
    throw err
  }
  for (const f of files) if (f.isFile()) await shred(join(f.parentPath, f.name))
  await rm(location, { recursive: true, force: true })
}
