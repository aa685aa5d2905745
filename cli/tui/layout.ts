import { dayKey, firstWords, formatDay, formatTime, sanitize, STATUS_MARKS, truncate, width, wrap } from './format.ts'
import type { ChatMessage } from './chat-message.ts'

/** One terminal line of a laid-out message. */
export type Line =
  | { kind: 'day', text: string }
  | { kind: 'quote', text: string }
  | { kind: 'head', time: string, mark: string, name: string, own: boolean, failed: boolean, text: string }
  | { kind: 'body', text: string }
  /** a group's join, leave or removal */
  | { kind: 'event', time: string, text: string }

export interface MessageLayout {
  id: string
  lines: Line[]
}

export interface LayoutContext {
  width: number
  selfName: string
  /** the contact's name (in a group: the group's) */
  peerName: string
  /** in a group: a member's name from their peer id */
  nameOf?: (peerId: string) => string
  /** the message a reply quotes, when it is loaded */
  quoted?: ChatMessage
  /** the previous message: a day separator goes first when the day changed */
  previous?: ChatMessage
  now?: number
}

/** "HH:MM" + space, the indent of continuation lines */
export const INDENT = 6
const MAX_NAME = 16

/**
 * The lines a message takes at a given width. Computing this ourselves (instead of letting
 * the terminal wrap) is what lets the view render only the rows that fit.
 */
export function layoutMessage (m: ChatMessage, ctx: LayoutContext): MessageLayout {
  const lines: Line[] = []
  const w = Math.max(10, ctx.width)
  if (ctx.previous == null || dayKey(ctx.previous.sentAt) !== dayKey(m.sentAt)) {
    const label = ` ${formatDay(m.sentAt, ctx.now)} `
    const side = Math.max(2, Math.floor((w - width(label)) / 2))
    lines.push({ kind: 'day', text: truncate('─'.repeat(side) + label + '─'.repeat(side), w) })
  }
  const own = m.direction === 'out'
  const nameOf = (x: ChatMessage): string => x.direction === 'out' ? ctx.selfName : x.author != null && ctx.nameOf != null ? ctx.nameOf(x.author) : ctx.peerName
  if (m.event != null) {
    lines.push({ kind: 'event', time: formatTime(m.sentAt), text: truncate(sanitize(eventText(m, nameOf(m), ctx)), w - INDENT - 2) })
    return { id: m.id, lines }
  }
  const name = truncate(nameOf(m), MAX_NAME)
  if (m.replyTo != null) {
    const q = ctx.quoted
    const who = q == null ? '' : nameOf(q)
    const text = q == null ? '↳ reply to an earlier message' : `↳ ${truncate(who, MAX_NAME)}: "${firstWords(q.body, 6, Math.max(8, w - INDENT - width(who) - 6))}"`
    lines.push({ kind: 'quote', text: ' '.repeat(INDENT) + truncate(text, w - INDENT) })
  }
  const mark = own ? STATUS_MARKS[m.status] : ''
  // "12:04 ✓✓ alice: " - the mark column is always two cells so names line up
  const prefix = INDENT + 3 + width(name) + 2
  const body = wrap(sanitize(m.body), w - prefix, w - INDENT)
  lines.push({ kind: 'head', time: formatTime(m.sentAt), mark, name, own, failed: m.status === 'failed', text: body[0] })
  for (const rest of body.slice(1)) lines.push({ kind: 'body', text: ' '.repeat(INDENT) + rest })
  return { id: m.id, lines }
}

/** "alice joined", "bob left", "alice removed carol" */
function eventText (m: ChatMessage, who: string, ctx: LayoutContext): string {
  switch (m.event) {
    case 'join': return `${who} joined`
    case 'leave': return `${who} left`
    case 'revoke': return `${who} revoked editor ${m.subject == null ? '' : ctx.nameOf?.(m.subject) ?? m.subject}: their later posts are refused`
    default: {
      const subject = m.subject == null ? 'a member' : ctx.nameOf?.(m.subject) ?? m.subject
      return `${who} removed ${subject}; the group moved to a new key`
    }
  }
}
