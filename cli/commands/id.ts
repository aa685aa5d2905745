import { PROFILE_OPTIONS, parseCommand } from '../args.ts'
import { withMessenger } from '../connect.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae id [--json] [--data-dir DIR]

Prints your peer id, nickname, addresses and an invite another user can paste. Asks the running
daemon (or terminal UI) when there is one; otherwise starts the node briefly (same ports as last time).`

export async function idCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('id', args, { ...PROFILE_OPTIONS, json: { type: 'boolean' } })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const info = await withMessenger(parsed, async m => m.id(), { create: false, mdns: false, reconnect: false })
  if (parsed.values.json === true) {
    io.out(JSON.stringify(info, null, 2))
  } else {
    io.out(`peer id:  ${info.peerId}`)
    io.out(`nickname: ${info.nickname === '' ? '(none: hyphae init --name NICK)' : info.nickname}`)
    io.out('addresses:')
    for (const a of info.addresses) io.out(`  ${a}`)
    io.out(`invite:   ${info.invite}`)
  }
  return 0
}
