import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { EventQueue } from '../events.ts'
import { parseGroupInvite } from '../../node/groups/invite.ts'
import { inTimeOrder, removalWords } from '../words.ts'
import { sanitize, sanitizeLines, terminalJson } from '../tui/format.ts'
import type { GroupInfo, GroupMemberInfo, GroupMessageRecord, Messenger, MessengerEvents } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae group create NAME
       hyphae group invite GROUP
       hyphae group join INVITE [--wait SECONDS]
       hyphae group leave GROUP
       hyphae group remove GROUP MEMBER      (a peer id or nickname)
       hyphae group list [--json]
       hyphae group members GROUP [--json]
       hyphae group send GROUP TEXT [--wait SECONDS]
       hyphae group send GROUP --file PATH [--wait SECONDS]
       hyphae group messages GROUP [--limit N] [--before MESSAGE-ID] [--json]

GROUP is a group's id (or its first digits) or its name. An invite carries the group's key:
whoever holds it can read and post, so hand it over privately. Only the group's creator can
remove members; the others then move to a new key the removed member never sees.

join and send wait up to --wait seconds (default 10) for a member to take the message.
Without a running daemon the node runs only for the command: what cannot go out at once waits
in the group outbox until hyphae runs again (keep \`hyphae daemon\` running to deliver and
receive).`

const VERBS = 'create, invite, join, leave, remove, list, members, send, messages'

export function formatGroup (g: GroupInfo): string {
  const notes = g.channel === true ? [
    g.isAdmin ? 'channel, yours' : g.editor === true ? 'channel, editor' : 'channel, following',
    ...(g.state !== 'active' ? [g.state === 'left' ? 'unfollowed' : g.state] : []),
    ...(g.queued > 0 ? [`${g.queued} queued`] : [])
  ] : [
    `${g.members} member${g.members === 1 ? '' : 's'}`,
    `epoch ${g.epoch}`,
    ...(g.isAdmin ? ['admin'] : []),
    ...(g.state !== 'active' ? [g.state] : []),
    ...(g.queued > 0 ? [`${g.queued} queued`] : [])
  ]
  return `${sanitize(g.name).padEnd(16)} ${g.id}  ${notes.join(', ')}`
}

function formatMember (m: GroupMemberInfo): string {
  const notes = [m.state, ...(m.admin ? ['admin'] : []), ...(m.me ? ['you'] : m.state === 'member' ? [m.online ? 'online' : 'offline'] : [])]
  return `${sanitize(m.nickname !== '' ? m.nickname : m.peerId.slice(-8)).padEnd(16)} ${m.peerId}  ${notes.join(', ')}`
}

function formatMessage (m: GroupMessageRecord, names: Map<string, string>): string {
  const when = new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 19)
  const who = sanitize(m.direction === 'out' ? 'me' : names.get(m.author) ?? m.author.slice(-8))
  switch (m.kind) {
    case 'join': return `${when}  * ${who} joined`
    case 'leave': return `${when}  * ${who} left`
    case 'remove': return `${when}  * ${who} removed ${sanitize(names.get(m.subject ?? '') ?? m.subject ?? '')}`
    default: return `${when}  ${who}: ${sanitizeLines(m.body)}${m.status === 'queued' ? ' [queued]' : ''}`
  }
}

function waitSeconds (value: unknown, verb: string): number {
  const wait = Number(value ?? 10)
  if (!Number.isFinite(wait) || wait < 0 || wait > 3600) throw new UsageError(`group ${verb}: --wait takes 0 to 3600 seconds`)
  return wait
}

/**
 * Waits until the group's outbox is empty or `seconds` pass, looking again at each of the
 * group's receipts (`receipts` listened since before the join); the same through the daemon or locally.
 */
async function waitForOutbox (messenger: Messenger, receipts: EventQueue<MessengerEvents, 'group:receipt'>, group: string, seconds: number): Promise<GroupInfo | undefined> {
  const deadline = Date.now() + seconds * 1000
  while (true) {
    const info = (await messenger.listGroups()).find(g => g.id === group)
    if (info == null || info.queued === 0 || Date.now() >= deadline) return info
    await receipts.next(r => r.group === group, deadline - Date.now())
  }
}

function queuedNote (viaDaemon: boolean): string {
  return viaDaemon ? 'the daemon keeps trying' : 'it goes out when hyphae runs again (keep `hyphae daemon` running to retry)'
}

export async function groupCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('group', args, {
    ...NODE_OPTIONS, json: { type: 'boolean' }, wait: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' }, file: { type: 'string' }
  }, 3)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb, a, b] = parsed.positionals
  const need = (value: string | undefined, what: string): string => {
    if (value == null || value.trim() === '') throw new UsageError(`group ${verb}: missing ${what}`)
    return value
  }
  switch (verb) {
    case 'create': {
      const name = need(a, 'NAME')
      const g = await withMessenger(parsed, async m => m.createGroup(name))
      io.out(`created ${formatGroup(g)}`)
      io.out(`invite people with: hyphae group invite ${g.id.slice(0, 8)}`)
      return 0
    }
    case 'invite': {
      const group = need(a, 'GROUP')
      const invite = await withMessenger(parsed, async m => m.groupInvite(group))
      io.out(invite)
      return 0
    }
    case 'join': {
      const invite = need(a, 'INVITE')
      // a mistyped invite fails here, before a node starts
      parseGroupInvite(invite)
      const wait = waitSeconds(parsed.values.wait, verb)
      return withMessenger(parsed, async (m, viaDaemon) => {
        const receipts = new EventQueue<MessengerEvents, 'group:receipt'>(m, 'group:receipt')
        try {
          const g = await m.joinGroup(invite)
          const after = await waitForOutbox(m, receipts, g.id, wait)
          io.out(`joined ${formatGroup(after ?? g)}`)
          if ((after?.queued ?? 0) > 0) io.out(`no member is reachable yet: your join waits in the group outbox; ${queuedNote(viaDaemon)}`)
          return 0
        } finally {
          receipts.stop()
        }
      })
    }
    case 'leave': {
      const group = need(a, 'GROUP')
      const g = await withMessenger(parsed, async m => m.leaveGroup(group))
      io.out(`left ${sanitize(g.name)} (${g.id})`)
      return 0
    }
    case 'remove': {
      const [group, member] = [need(a, 'GROUP'), need(b, 'MEMBER')]
      const g = await withMessenger(parsed, async m => m.removeGroupMember(group, member))
      io.out(removalWords(member, g))
      return 0
    }
    case 'list': case undefined: {
      const list = await withMessenger(parsed, async m => m.listGroups())
      if (parsed.values.json === true) io.out(terminalJson(list))
      else if (list.length === 0) io.out('no groups yet: hyphae group create NAME, or hyphae group join INVITE')
      else for (const g of list) io.out(formatGroup(g))
      return 0
    }
    case 'members': {
      const group = need(a, 'GROUP')
      const members = await withMessenger(parsed, async m => m.groupMembers(group))
      if (parsed.values.json === true) io.out(terminalJson(members))
      else for (const m of members) io.out(formatMember(m))
      return 0
    }
    case 'send': {
      const group = need(a, 'GROUP')
      if (parsed.values.file != null) {
        if (b != null) throw new UsageError('group send: --file takes no TEXT')
        const { sendFile } = await import('./files.ts')
        return sendFile(parsed, group, String(parsed.values.file), io, { group: true })
      }
      if (b == null || b.trim() === '') throw new UsageError('group send: the message is empty')
      const wait = waitSeconds(parsed.values.wait, verb)
      return withMessenger(parsed, async (m, viaDaemon) => {
        // listening starts before the send: a member faster than the send's answer is not missed
        const receipts = new EventQueue<MessengerEvents, 'group:receipt'>(m, 'group:receipt')
        try {
          const sent = await m.sendGroupMessage(group, b)
          let status: string = sent.status
          if (status === 'queued') status = (await receipts.next(r => r.id === sent.id, wait * 1000))?.status ?? status
          io.out(status === 'queued' ? `${sent.id} queued: no member is reachable now; ${queuedNote(viaDaemon)}` : `${sent.id} ${status}`)
          return 0
        } finally {
          receipts.stop()
        }
      })
    }
    case 'messages': {
      const group = need(a, 'GROUP')
      const limit = parsed.values.limit != null ? Number(parsed.values.limit) : 50
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('group messages: --limit takes 1 to 1000')
      return withMessenger(parsed, async m => {
        const page = await m.listGroupMessages(group, { limit, before: parsed.values.before as string | undefined })
        if (parsed.values.json === true) { io.out(terminalJson(page)); return 0 }
        if (page.length === 0) { io.out('no messages yet'); return 0 }
        const members = await m.groupMembers(group)
        const names = new Map(members.filter(x => x.nickname !== '').map(x => [x.peerId, x.nickname]))
        for (const message of inTimeOrder(page)) io.out(formatMessage(message, names))
        return 0
      })
    }
    default:
      throw new UsageError(`group: unknown action ${JSON.stringify(verb)} (${VERBS})`)
  }
}
