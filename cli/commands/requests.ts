import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { sanitize, terminalJson } from '../tui/format.ts'
import type { MessageRequest } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae requests [list] [--json]
       hyphae requests accept PEER-ID

Messages from people who are not your contacts wait here. Accept makes them a contact;
\`hyphae contacts block PEER-ID\` refuses them.`

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
  const list: MessageRequest[] = await withMessenger(parsed, async m => m.listRequests())
  if (parsed.values.json === true) io.out(terminalJson(list))
  else if (list.length === 0) io.out('no message requests')
  else for (const r of list) io.out(`${r.peerId}  ${r.messages} message(s)${r.last != null ? `, last: ${sanitize(JSON.stringify(r.last.body.slice(0, 60)))}` : ''}`)
  return 0
}
