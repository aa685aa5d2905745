import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { EventQueue } from '../events.ts'
import { parseChannelInvite } from '../../node/groups/invite.ts'
import { inTimeOrder } from '../words.ts'
import { sanitize, sanitizeLines, terminalJson } from '../tui/format.ts'
import { formatGroup } from './group.ts'
import type { GroupMessageRecord, MessengerEvents } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae channel create NAME
       hyphae channel invite CHANNEL [--editor PEER-ID]
       hyphae channel follow INVITE
       hyphae channel unfollow CHANNEL
       hyphae channel revoke CHANNEL EDITOR-PEER-ID
       hyphae channel post CHANNEL TEXT [--wait SECONDS]
       hyphae channel messages CHANNEL [--limit N] [--before MESSAGE-ID] [--json]
       hyphae channel list [--json]

A channel has one author and any number of readers. Only its creator (and the editors it
names with --editor) can post; followers read, and serve the last posts to those who follow
later, so no server is needed. Followers are listed nowhere and publish nothing. An invite
carries the channel's read key: whoever holds it can read, never post. revoke: every follower
refuses that editor's posts from then on (its earlier posts stay).

CHANNEL is a channel's id (or its first digits) or its name. post waits up to --wait seconds
(default 10) for a follower to take the post; without a running daemon what cannot go out at
once waits in the outbox until hyphae runs again.`

const VERBS = 'create, invite, follow, unfollow, revoke, post, messages, list'

function formatPost (m: GroupMessageRecord, owner: string): string {
  const when = new Date(m.sentAt).toISOString().replace('T', ' ').slice(0, 19)
  const who = m.direction === 'out' ? 'me' : m.author === owner ? 'owner' : `editor ${m.author.slice(-8)}`
  if (m.kind === 'revoke') return `${when}  * ${who} revoked editor ${sanitize(m.subject ?? '')}`
  return `${when}  ${sanitize(who)}: ${sanitizeLines(m.body)}${m.status === 'queued' ? ' [queued]' : ''}`
}

export async function channelCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('channel', args, {
    ...NODE_OPTIONS, json: { type: 'boolean' }, wait: { type: 'string' }, limit: { type: 'string' }, before: { type: 'string' }, editor: { type: 'string' }
  }, 3)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb, a, b] = parsed.positionals
  const need = (value: string | undefined, what: string): string => {
    if (value == null || value.trim() === '') throw new UsageError(`channel ${verb}: missing ${what}`)
    return value
  }
  switch (verb) {
    case 'create': {
      const name = need(a, 'NAME')
      const c = await withMessenger(parsed, async m => m.createChannel(name))
      io.out(`created ${formatGroup(c)}`)
      io.out(`invite readers with: hyphae channel invite ${c.id.slice(0, 8)}`)
      return 0
    }
    case 'invite': {
      const channel = need(a, 'CHANNEL')
      const editor = parsed.values.editor as string | undefined
      io.out(await withMessenger(parsed, async m => m.channelInvite(channel, { editor })))
      return 0
    }
    case 'follow': {
      const invite = need(a, 'INVITE')
      // a mistyped invite fails here, before a node starts
      parseChannelInvite(invite)
      const c = await withMessenger(parsed, async m => m.followChannel(invite))
      io.out(`following ${formatGroup(c)}`)
      return 0
    }
    case 'unfollow': {
      const channel = need(a, 'CHANNEL')
      const c = await withMessenger(parsed, async m => m.unfollowChannel(channel))
      io.out(`unfollowed ${sanitize(c.name)} (${c.id})`)
      return 0
    }
    case 'revoke': {
      const channel = need(a, 'CHANNEL')
      const editor = need(b, 'EDITOR-PEER-ID')
      const sent = await withMessenger(parsed, async m => m.revokeChannelEditor(channel, editor))
      io.out(`${sent.id} revoked ${editor}: followers refuse its posts from now on (${sent.status})`)
      return 0
    }
    case 'post': {
      const channel = need(a, 'CHANNEL')
      if (b == null || b.trim() === '') throw new UsageError('channel post: the post is empty')
      const wait = Number(parsed.values.wait ?? 10)
      if (!Number.isFinite(wait) || wait < 0 || wait > 3600) throw new UsageError('channel post: --wait takes 0 to 3600 seconds')
      return withMessenger(parsed, async (m, viaDaemon) => {
        const receipts = new EventQueue<MessengerEvents, 'group:receipt'>(m, 'group:receipt')
        try {
          const sent = await m.postChannel(channel, b)
          let status: string = sent.status
          if (status === 'queued') status = (await receipts.next(r => r.id === sent.id, wait * 1000))?.status ?? status
          io.out(status === 'queued' ? `${sent.id} queued: no follower is reachable now; ${viaDaemon ? 'the daemon keeps trying' : 'it goes out when hyphae runs again'}` : `${sent.id} ${status}`)
          return 0
        } finally {
          receipts.stop()
        }
      })
    }
    case 'messages': {
      const channel = need(a, 'CHANNEL')
      const limit = parsed.values.limit != null ? Number(parsed.values.limit) : 50
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('channel messages: --limit takes 1 to 1000')
      return withMessenger(parsed, async m => {
        const page = await m.listChannelMessages(channel, { limit, before: parsed.values.before as string | undefined })
        if (parsed.values.json === true) { io.out(terminalJson(page)); return 0 }
        if (page.length === 0) { io.out('no posts yet'); return 0 }
        const owner = (await m.listGroups()).find(g => g.id === page[0].group)?.admin ?? ''
        for (const message of inTimeOrder(page)) io.out(formatPost(message, owner))
        return 0
      })
    }
    case 'list': case undefined: {
      const list = (await withMessenger(parsed, async m => m.listGroups())).filter(g => g.channel === true)
      if (parsed.values.json === true) io.out(terminalJson(list))
      else if (list.length === 0) io.out('no channels yet: hyphae channel create NAME, or hyphae channel follow INVITE')
      else for (const c of list) io.out(formatGroup(c))
      return 0
    }
    default:
      throw new UsageError(`channel: unknown action ${JSON.stringify(verb)} (${VERBS})`)
  }
}
