import QRCode from 'qrcode'
import { NODE_OPTIONS, parseCommand } from '../args.ts'
import { withMessenger } from '../connect.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae invite [--no-qr]

Prints your invite (a signed hyphae://invite/... string with your peer id, nickname and
addresses) and its QR code. Whoever adds it can reach you.`

export async function inviteCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('invite', args, { ...NODE_OPTIONS, 'no-qr': { type: 'boolean' } })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const id = await withMessenger(parsed, async m => m.id())
  if (parsed.values['no-qr'] !== true) io.out(await QRCode.toString(id.invite, { type: 'terminal', small: true, errorCorrectionLevel: 'L' }))
  io.out(id.invite)
  io.out(`\nthey add it with: hyphae contacts add '${id.invite.slice(0, 24)}...'`)
  return 0
}
