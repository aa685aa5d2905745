import { NODE_OPTIONS, parseCommand, pastedAfterFlags, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { holdsPasted } from '../../node/pasted-text.ts'
import { formatTimer, parseTimer } from '../duration.ts'
import { sanitize, terminalJson } from '../tui/format.ts'
import type { ContactInfo } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae contacts add INVITE|PEER-ID [--name NICK]    (an invite pasted in pieces is fine)
       hyphae contacts list [--json]
       hyphae contacts rename CONTACT NICK
       hyphae contacts remove CONTACT
       hyphae contacts block CONTACT
       hyphae contacts timer CONTACT 30s|5m|1h|1d|1w|off
       hyphae contacts reset-session CONTACT

CONTACT is a peer id or a nickname. Compare the safety number (in list) with your contact's
screen, in person or on a call, to know that nobody sits between you. timer: disappearing
messages, for both of you: each message is deleted that long after it was stored.
reset-session: when a contact cannot read your messages any more (they reinstalled or lost
their data), the next message starts a new secure session from fresh keys.`

const MAX_PASTED_WORDS = 512

export function formatContact (c: ContactInfo): string {
  return `${sanitize(c.nickname).padEnd(16)} ${c.peerId}  ${c.state === 'blocked' ? 'blocked' : c.online ? 'online' : 'offline'}${c.safetyNumber != null ? `\n${' '.repeat(17)}safety number ${c.safetyNumber}` : ''}`
}

export async function contactsCommand (args: string[], io: Io): Promise<number> {
  // an invite pasted unquoted from a wrapped or framed screen arrives as many words
  const options = { ...NODE_OPTIONS, name: { type: 'string' as const }, json: { type: 'boolean' as const } }
  const pasting = args[0] === 'add' && holdsPasted(args.join(' '), 'hyphae://invite/')
  const parsed = parseCommand('contacts', pasting ? pastedAfterFlags(args, options) : args, options, MAX_PASTED_WORDS)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb, a, b] = parsed.positionals
  const pasted = verb === 'add' && holdsPasted(parsed.positionals.slice(1).join(' '), 'hyphae://invite/')
  if (parsed.positionals.length > 3 && !pasted) throw new UsageError(`contacts: unexpected argument ${JSON.stringify(parsed.positionals[3])}`)
  const need = (value: string | undefined, what: string): string => {
    if (value == null || value.trim() === '') throw new UsageError(`contacts ${verb}: missing ${what}`)
    return value
  }
  switch (verb) {
    case 'add': {
      // the node finds the invite among the pieces; words after it name the contact
      const target = pasted ? parsed.positionals.slice(1).join(' ') : need(a, 'INVITE or PEER-ID')
      const c = await withMessenger(parsed, async m => m.addContact(target, parsed.values.name as string | undefined))
      io.out(`added ${formatContact(c)}`)
      return 0
    }
    case 'list': case undefined: {
      const list: ContactInfo[] = await withMessenger(parsed, async m => m.listContacts())
      if (parsed.values.json === true) io.out(terminalJson(list))
      else if (list.length === 0) io.out('no contacts yet: hyphae contacts add INVITE')
      else for (const c of list) io.out(formatContact(c))
      return 0
    }
    case 'rename': {
      const [contact, nickname] = [need(a, 'CONTACT'), need(b, 'NICK')]
      const c = await withMessenger(parsed, async m => m.renameContact(contact, nickname))
      io.out(`renamed ${formatContact(c)}`)
      return 0
    }
    case 'timer': {
      const contact = need(a, 'CONTACT')
      const seconds = parseTimer(need(b, 'DURATION (30s, 5m, 1h, 1d, 1w or off)'))
      if (seconds == null) throw new UsageError(`contacts timer: ${JSON.stringify(b)} is not a duration (30s, 5m, 1h, 1d, 1w or off)`)
      const { peerId, timer } = await withMessenger(parsed, async m => m.setTimer(contact, seconds))
      io.out(`messages with ${peerId} ${timer === 0 ? 'are kept' : `disappear after ${formatTimer(timer)}`}, on both sides`)
      return 0
    }
    case 'reset-session': {
      const c = await withMessenger(parsed, async m => m.resetSession(need(a, 'CONTACT')))
      io.out(`${c.hadSession ? 'the secure session' : 'no session yet'} with ${sanitize(c.nickname)} (${c.peerId}): the next message starts a new one from fresh keys`)
      if (c.safetyNumber != null) io.out(`safety number unchanged (it is bound to the peer id): ${c.safetyNumber}`)
      return 0
    }
    case 'remove': case 'block': {
      const contact = need(a, 'CONTACT')
      const c = await withMessenger(parsed, async m => verb === 'remove' ? m.removeContact(contact) : m.blockContact(contact))
      io.out(`${verb === 'remove' ? 'removed' : 'blocked'} ${sanitize(c.nickname)} (${c.peerId})`)
      return 0
    }
    default:
      throw new UsageError(`contacts: unknown action ${JSON.stringify(verb)} (add, list, rename, timer, reset-session, remove, block)`)
  }
}
