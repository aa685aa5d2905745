import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { sanitize, terminalJson } from '../tui/format.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae requests [list] [--json]
       hyphae requests accept PEER-ID

Messages from people who are not your contacts wait here, within a quota (20 messages or
256 KiB each, 100 requests or 4 MiB in all; past it the oldest go, and this list says so).
Accept makes them a contact; \`hyphae contacts block PEER-ID\` refuses them.`

export async function requestsCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('requests', args, { ...NODE_OPTIONS, json: { type: 'boolean' } }, 2)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb, contact] = parsed.positionals
  if (verb === 'accept') {
    if (contact == null) throw new UsageError('requests accept: missing PEER-ID')
    const c = await withMessenger(parsed, async m => m.acceptRequest(contact))
    io.out(`accepted ${c.peerId}: now a contact as ${c.nickname} (rename: hyphae contacts rename ${c.peerId} NICK)`)
    return 0
  }
  if (verb != null && verb !== 'list') throw new UsageError(`requests: unknown action ${JSON.stringify(verb)} (list, accept)`)
  const [list, drops] = await withMessenger(parsed, async m => Promise.all([m.listRequests(), m.requestDrops()]))
  if (parsed.values.json === true) { io.out(terminalJson(list)); return 0 }
  if (list.length === 0) io.out('no message requests')
  for (const r of list) {
    const older = r.dropped > 0 ? ` (${r.dropped} older dropped)` : ''
    io.out(`${r.peerId}  ${r.messages} message(s)${older}${r.last != null ? `, last: ${sanitize(JSON.stringify(r.last.body.slice(0, 60)))}` : ''}`)
  }
  if (drops.requests > 0 || drops.messages > 0) {
    io.out(`requests from strangers are capped: ${drops.requests} whole request(s) and ${drops.messages} message(s) in all were dropped, oldest first`)
  }
  return 0
}
