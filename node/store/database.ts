import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { CorruptStoreError, ProfileLockedError } from '../errors.ts'

export type Database = Level<string, Uint8Array>

/**
 * Opens a level database in the profile. LevelDB holds an exclusive OS lock on it, which the
 * kernel drops if the process dies, so a second process gets `ProfileLockedError` and a
 * crashed one never leaves a stale lock behind.
 */
export async function openDatabase (dataDir: string, name: string): Promise<Database> {
  const location = join(dataDir, name)
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
  return db
}
