import { identityExists } from '../../node/identity.ts'
import { AlreadyInitializedError, openProfile } from '../../node/index.ts'
import { PROFILE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf } from '../open-node.ts'
import { newPassphrase } from '../passphrase.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae init [--name NICK] [--no-passphrase] [--data-dir DIR]

Creates your identity (an Ed25519 key) in the profile. On a terminal it asks for a passphrase
to encrypt the key at rest (or takes HYPHAE_PASSPHRASE); empty means unencrypted.`

export async function initCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('init', args, { ...PROFILE_OPTIONS, name: { type: 'string' }, 'no-passphrase': { type: 'boolean' } })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const name = parsed.values.name as string | undefined
  if (name != null && (name.trim() === '' || name.length > 64)) throw new UsageError('init: --name must be 1 to 64 characters')
  const dataDir = dataDirOf(parsed)
  if (await identityExists(dataDir)) throw new AlreadyInitializedError(dataDir)
  const passphrase = await newPassphrase(parsed.values['no-passphrase'] !== true)
  const profile = await openProfile(dataDir, { passphrase, create: true, nickname: name?.trim() })
  await profile.db.close()
  io.out(`created identity ${profile.peerId} in ${dataDir}${passphrase != null ? ' (encrypted)' : ''}`)
  return 0
}
