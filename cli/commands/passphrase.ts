import { changePassphrase, identityExists } from '../../node/identity.ts'
import { NotInitializedError } from '../../node/errors.ts'
import { openLevel } from '../../node/store/database.ts'
import { PROFILE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf } from '../open-node.ts'
import { canPrompt, passphraseFor, promptHidden } from '../passphrase.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae passphrase [--remove] [--data-dir DIR]

Sets or changes the passphrase that protects the profile: it wraps (through Argon2id) the data
key that encrypts identity.key and the whole store, so only identity.key is rewritten. Without
a passphrase the store is still encrypted, but its key sits beside it: anyone with the disk
reads your messages. The current passphrase comes from HYPHAE_PASSPHRASE or a prompt; the new
one from HYPHAE_NEW_PASSPHRASE or a prompt (asked twice). --remove takes the passphrase off.`

async function newOne (): Promise<string> {
  const env = process.env.HYPHAE_NEW_PASSPHRASE
  if (env != null && env !== '') return env
  if (!canPrompt()) throw new UsageError('passphrase: not on a terminal; set HYPHAE_NEW_PASSPHRASE')
  const first = await promptHidden('New passphrase: ')
  if (first === '') throw new UsageError('passphrase: empty; use --remove to take the passphrase off')
  if (await promptHidden('Same passphrase again: ') !== first) throw new UsageError('passphrase: the two differ; nothing was changed')
  return first
}

export async function passphraseCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('passphrase', args, { ...PROFILE_OPTIONS, remove: { type: 'boolean' } })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const dataDir = dataDirOf(parsed)
  if (!(await identityExists(dataDir))) throw new NotInitializedError(dataDir)
  // the profile's lock: no node rewrites identity.key meanwhile
  const lock = await openLevel(dataDir, 'db')
  try {
    const current = await passphraseFor(dataDir)
    const next = parsed.values.remove === true ? undefined : await newOne()
    await changePassphrase(dataDir, current, next)
  } finally {
    await lock.close()
  }
  io.out(parsed.values.remove === true
    ? 'passphrase removed: the store key now sits in identity.key in the clear; this device protects nothing'
    : 'passphrase set: identity.key and the store open only with it')
  return 0
}
