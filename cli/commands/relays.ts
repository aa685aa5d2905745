import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { parseRelayLine } from '../../node/net/relay-list.ts'
import type { RelayInfo } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae relays add LINE
       hyphae relays list [--json]
       hyphae relays remove LINE|PEER-ID

Relays and bridges you were given by hand (a hyphae://relay/... line, or a relay's multiaddr
ending in /p2p/PEER-ID). They are kept in the profile and dialled at every start; your node
takes a slot on them, so they also hold your mailbox and appear in your invites.
Behind a censor that reads the traffic, use lines whose relay serves TLS ("tls" in the list)
and run with --censored.`

function describe (r: RelayInfo): string {
  return `${r.peerId}  ${r.tls ? 'tls ' : 'plain'}  ${r.connected ? 'connected' : 'not connected'}\n  ${r.line}`
}

export async function relaysCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('relays', args, { ...NODE_OPTIONS, json: { type: 'boolean' } }, 2)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb, arg] = parsed.positionals
  if (verb === 'add' || verb === 'remove') {
    if (arg == null) throw new UsageError(`relays ${verb}: missing ${verb === 'add' ? 'LINE' : 'LINE or PEER-ID'}`)
    // a bad line is refused before any node opens the profile
    if (verb === 'add') parseRelayLine(arg)
    const result: RelayInfo | RelayInfo[] = await withMessenger(parsed, async m => verb === 'add' ? m.addRelay(arg) : m.removeRelay(arg))
    if (parsed.values.json === true) io.out(JSON.stringify(result, null, 2))
    else if (verb === 'add') io.out(`added relay ${describe(result as RelayInfo)}`)
    else for (const r of result as RelayInfo[]) io.out(`removed relay ${r.peerId}`)
    return 0
  }
  if (verb != null && verb !== 'list') throw new UsageError(`relays: unknown action ${JSON.stringify(verb)} (add, list, remove)`)
  const list: RelayInfo[] = await withMessenger(parsed, async m => m.listRelays())
  if (parsed.values.json === true) io.out(JSON.stringify(list, null, 2))
  else if (list.length === 0) io.out('no relays added by hand (hyphae relays add LINE)')
  else for (const r of list) io.out(describe(r))
  return 0
}
