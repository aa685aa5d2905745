import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { sanitize, terminalJson } from '../tui/format.ts'
import type { ContactInfo } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae contacts add INVITE|PEER-ID [--name NICK]
       hyphae contacts list [--json]
       hyphae contacts rename CONTACT NICK
       hyphae contacts remove CONTACT
       hyphae contacts block CONTACT

CONTACT is a peer id or a nickname. Compare the safety number (in list) with your contact's
screen, in person or on a call, to know that nobody sits between you.`

export function formatContact (c: ContactInfo): string {
  return `${sanitize(c.nickname).padEnd(16)} ${c.peerId}  ${c.state === 'blocked' ? 'blocked' : c.online ? 'online' : 'offline'}${c.safetyNumber != null ? `\n${' '.repeat(17)}safety number ${c.safetyNumber}` : ''}`
}

export async function contactsCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('contacts', args, { ...NODE_OPTIONS, name: { type: 'string' }, json: { type: 'boolean' } }, 3)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb, a, b] = parsed.positionals
  const need = (value: string | undefined, what: string): string => {
    if (value == null || value.trim() === '') throw new UsageError(`contacts ${verb}: missing ${what}`)
    return value
  }
  switch (verb) {
    case 'add': {
      const target = need(a, 'INVITE or PEER-ID')
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
    case 'remove': case 'block': {
      const contact = need(a, 'CONTACT')
      const c = await withMessenger(parsed, async m => verb === 'remove' ? m.removeContact(contact) : m.blockContact(contact))
      io.out(`${verb === 'remove' ? 'removed' : 'blocked'} ${sanitize(c.nickname)} (${c.peerId})`)
      return 0
    }
    default:
      throw new UsageError(`contacts: unknown action ${JSON.stringify(verb)} (add, list, rename, remove, block)`)
  }
}
