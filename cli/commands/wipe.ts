import { createInterface } from 'node:readline/promises'
import { wipeProfile } from '../../node/wipe.ts'
import { PROFILE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf } from '../open-node.ts'
import { canPrompt } from '../passphrase.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae wipe [--yes] [--data-dir DIR]

Destroys the profile: first its keys (identity.key with the data key that encrypts the store,
the website certificate, a plaintext libp2p/ an old version left), each file overwritten with
random bytes before it is unlinked, then the store (the peer store is inside it). Asks on a terminal; --yes for scripts. Refuses while the
profile is running. On SSDs and copy-on-write file systems overwriting is not guaranteed to
reach the old blocks: what protects them is that the keys are gone (with a passphrase).`

async function confirmed (dataDir: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  try {
    const answer = await rl.question(`Destroy the profile in ${dataDir}: your identity, contacts and every message? Type "wipe" to confirm: `)
    return answer.trim() === 'wipe'
  } finally {
    rl.close()
  }
}

export async function wipeCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('wipe', args, { ...PROFILE_OPTIONS, yes: { type: 'boolean', short: 'y' } })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const dataDir = dataDirOf(parsed)
  if (parsed.values.yes !== true) {
    if (!canPrompt()) throw new UsageError('wipe: not on a terminal, nothing was touched; pass --yes to wipe without asking')
    if (!(await confirmed(dataDir))) { io.err('wipe: not confirmed, nothing was touched'); return 1 }
  }
  const { removed, leftAlone } = await wipeProfile(dataDir)
  io.out(`wiped ${dataDir}: ${removed.length} entries shredded, keys first`)
  if (leftAlone.length > 0) io.out(`left alone (not written by hyphae): ${leftAlone.join(', ')}`)
  return 0
}
