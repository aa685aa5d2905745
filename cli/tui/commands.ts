import { holdsPasted } from '../../node/pasted-text.ts'

/**
 * The composer's slash commands, parsed into values the app runs. Parsing is pure so every
 * command and every mistake can be tested without a terminal.
 */
import { parseTimer } from '../duration.ts'

export type Command =
  | { name: 'help' }
  | { name: 'quit' }
  | { name: 'add', invite: string, nickname?: string }
  | { name: 'invite' }
  | { name: 'accept' }
  | { name: 'block' }
  | { name: 'unblock', who: string }
  | { name: 'verify' }
  | { name: 'reset' }
  | { name: 'nick', nickname: string }
  | { name: 'rename', nickname: string }
  | { name: 'doctor' }
  | { name: 'receipts', on?: boolean }
  | { name: 'timer', seconds: number }
  | { name: 'group-new', groupName: string }
  | { name: 'group-invite', member?: string }
  /** no invite: the newest group invite a contact sent in the open conversation */
  | { name: 'join', invite?: string }
  | { name: 'leave' }
  | { name: 'remove', member: string }
  | { name: 'members' }
  | { name: 'relay', line: string }
  | { name: 'relays' }
  | { name: 'file', path: string }
  /** no file: the newest one offered in the open conversation */
  | { name: 'get', file?: string }

export type ParseResult = { command: Command } | { error: string }

export interface CommandHelp {
  usage: string
  what: string
  group?: boolean
}

/** Every command, in the order the help overlay lists them. */
export const COMMAND_HELP: CommandHelp[] = [
  { usage: '/add INVITE [NICK]', what: 'add a contact from their invite (or peer id)' },
  { usage: '/invite', what: 'show your invite and its QR code' },
  { usage: '/accept', what: 'accept this message request as a contact' },
  { usage: '/block', what: 'block this contact or request' },
  { usage: '/unblock NAME', what: 'unblock someone you blocked (name or peer id)' },
  { usage: '/verify', what: 'safety number to compare with this contact' },
  { usage: '/nick NAME', what: 'change your own nickname' },
  { usage: '/rename NAME', what: 'rename this contact' },
  { usage: '/receipts on|off', what: 'send read receipts (off unless you opt in)' },
  { usage: '/reset', what: 'new secure session with this contact, when they cannot read you any more (they reinstalled)' },
  { usage: '/timer 1h|off', what: 'disappearing messages in this conversation, for both of you (30s, 5m, 1h, 1d, 1w)' },
  { usage: '/file PATH', what: 'send a file, end-to-end encrypted (up to 4 GiB); they fetch it once they accept' },
  { usage: '/get [FILE]', what: 'download the newest file offered here (or FILE, an id) into DATA_DIR/downloads' },
  { usage: '/doctor', what: 'connections, reachability, outbox, DHT' },
  { usage: '/relay LINE', what: 'add a relay or bridge someone gave you (hyphae://relay/...)' },
  { usage: '/relays', what: 'the relays and bridges you added, and whether they are connected' },
  { usage: '/help', what: 'this help' },
  { usage: '/quit', what: 'stop the node and quit (the outbox is kept)' },
  { usage: '/group new NAME', what: 'create a group', group: true },
  { usage: '/group invite [CONTACT]', what: 'this group\'s invite; sent to CONTACT as a direct message', group: true },
  { usage: '/join [INVITE]', what: 'join a group, or follow a channel (no invite: the group invite this contact sent you)', group: true },
  { usage: '/members', what: 'who is in this group, and who is online', group: true },
  { usage: '/leave', what: 'leave this group, or unfollow this channel (its history stays)', group: true },
  { usage: '/remove MEMBER', what: 'admin: remove a member; the others move to a new key (a channel: revoke the editor PEER-ID)', group: true }
]

const usage = (name: string): string => `usage: ${COMMAND_HELP.find(h => h.usage.startsWith(name + ' ') || h.usage === name)?.usage ?? name}`

/** True when a composer line is a command rather than a message (`//` sends a literal `/`). */
export function isCommand (line: string): boolean {
  return line.startsWith('/') && !line.startsWith('//')
}

export function parseCommand (line: string): ParseResult {
  const trimmed = line.trim()
  const match = /^\/(\S*)\s*(.*)$/s.exec(trimmed)
  if (match == null) return { error: 'not a command' }
  const name = match[1].toLowerCase()
  const rest = match[2].trim()
  const words = rest === '' ? [] : rest.split(/\s+/)
  const none = (command: Command): ParseResult => words.length > 0 ? { error: `/${name} takes no arguments (${usage('/' + name)})` } : { command }

  switch (name) {
    case '': return { error: 'type a command after /, or /help to list them' }
    case 'help': case '?': return { command: { name: 'help' } }
    case 'quit': case 'exit': case 'q': return none({ name: 'quit' })
    case 'invite': return none({ name: 'invite' })
    case 'accept': return none({ name: 'accept' })
    case 'block': return none({ name: 'block' })
    case 'verify': return none({ name: 'verify' })
    case 'reset': return none({ name: 'reset' })
    case 'doctor': return none({ name: 'doctor' })
    case 'leave': return none({ name: 'leave' })
    case 'members': return none({ name: 'members' })
    case 'relays': return none({ name: 'relays' })
    // a line pasted from a wrapped box may come in pieces: they are joined
    case 'relay': return rest !== '' ? { command: { name: 'relay', line: words.join('') } } : { error: usage('/relay') }
    case 'add': {
      if (words.length === 0) return { error: usage('/add') }
      // an invite pasted from a wrapped or framed screen comes in pieces: the node finds it
      // whole in the text, and takes the words after it as the nickname
      if (holdsPasted(rest, 'hyphae://invite/')) return { command: { name: 'add', invite: rest } }
      const nickname = words.slice(1).join(' ')
      return { command: { name: 'add', invite: words[0], nickname: nickname !== '' ? nickname : undefined } }
    }
    case 'file': return rest !== '' ? { command: { name: 'file', path: rest.replace(/^(['"])(.*)\1$/, '$2') } } : { error: usage('/file') }
    case 'get': return words.length <= 1 ? { command: { name: 'get', file: words[0] } } : { error: usage('/get') }
    case 'unblock': return rest !== '' ? { command: { name: 'unblock', who: rest } } : { error: usage('/unblock') }
    case 'nick': case 'rename': {
      if (rest === '') return { error: usage(`/${name}`) }
      if (rest.length > 64) return { error: 'a nickname is at most 64 characters' }
      return { command: { name, nickname: rest } }
    }
    case 'timer': {
      const seconds = words.length === 1 ? parseTimer(words[0]) : undefined
      return seconds != null ? { command: { name: 'timer', seconds } } : { error: usage('/timer') }
    }
    case 'receipts': {
      if (words.length === 0) return { command: { name: 'receipts' } }
      const v = words[0].toLowerCase()
      if (words.length === 1 && (v === 'on' || v === 'off')) return { command: { name: 'receipts', on: v === 'on' } }
      return { error: usage('/receipts') }
    }
    case 'group': {
      const [action, ...args] = words
      if (action === 'new') {
        const groupName = args.join(' ')
        return groupName === '' ? { error: usage('/group new') } : { command: { name: 'group-new', groupName } }
      }
      if (action === 'invite') return { command: { name: 'group-invite', member: args.length > 0 ? args.join(' ') : undefined } }
      return { error: 'usage: /group new NAME, /group invite [CONTACT]' }
    }
    case 'join': {
      if (words.length <= 1) return { command: { name: 'join', invite: words[0] } }
      return holdsPasted(rest, 'hyphae://group/') || holdsPasted(rest, 'hyphae://channel/') ? { command: { name: 'join', invite: rest } } : { error: usage('/join') }
    }
    case 'remove': return rest !== '' ? { command: { name: 'remove', member: rest } } : { error: usage('/remove') }
    default: return { error: `unknown command /${name} (see /help)` }
  }
}
