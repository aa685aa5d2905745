import { sanitize, sanitizeLines } from './tui/format.ts'
import { formatBytes } from '../node/files/format-bytes.ts'
import type { FileInfo, GroupInfo, GroupMessageRecord, MessageRecord } from '../node/messenger.ts'

/** What each status of a message you sent means, in the words a user needs. */
export const STATUS_WORDS: Record<string, string> = {
  queued: 'queued: still in your outbox',
  sent: 'sent: left in their relay mailbox, not yet with them (delivered once they store it)',
  delivered: 'delivered: they have it',
  read: 'read',
  failed: 'failed: refused for good (blocked?)'
}

export function statusWords (status: string): string {
  return STATUS_WORDS[status] ?? status
}

/** The short mark shown after each of your messages in a listing. */
const STATUS_MARKS: Record<string, string> = { queued: 'queued', sent: 'in their mailbox', delivered: 'delivered', read: 'read', failed: 'failed' }

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
const quote = (text: string): string => {
  const line = sanitize(text.replace(/\s+/g, ' ').trim())
  return line.length > 60 ? `${line.slice(0, 59)}…` : line
}

/** A conversation, one line per message; a reply quotes the message it answers (when in the page). */
export function formatConversation (page: MessageRecord[], names: { me: string, them: string }): string[] {
  const byId = new Map(page.map(m => [m.id, m]))
  return page.flatMap(m => {
    const who = m.direction === 'out' ? names.me : names.them
    const state = m.direction === 'out' ? ` [${STATUS_MARKS[m.status] ?? m.status}]` : ''
    // remote text is shown, never obeyed (no escape sequences reach the terminal)
    const lines = [`${when(m.sentAt)}  ${sanitize(who)}: ${sanitizeLines(m.body)}${state}`]
    if (m.replyTo != null && m.replyTo !== '') {
      const quoted = byId.get(m.replyTo)
      const to = quoted == null ? `message ${m.replyTo.slice(0, 8)} (not on this page)` : `${sanitize(quoted.direction === 'out' ? names.me : names.them)}: "${quote(quoted.body)}"`
      lines.unshift(`${' '.repeat(21)}↱ replying to ${to}`)
    }
    return lines
  })
}

/**
 * A group's page in the order things happened (send time): Lamport order, how it is stored,
 * can put one member's join before another's that came earlier.
 */
export function inTimeOrder <T extends Pick<GroupMessageRecord, 'sentAt' | 'lamport' | 'id'>> (page: T[]): T[] {
  return [...page].sort((a, b) => a.sentAt - b.sentAt || a.lamport - b.lamport || (a.id < b.id ? -1 : 1))
}

/** What a removal did, counting the members left besides you. */
export function removalWords (member: string, g: GroupInfo): string {
  const others = Math.max(0, g.members - 1)
  const who = others === 0 ? 'you are its only member now, on' : `you and the ${others} other member${others === 1 ? '' : 's'} move to`
  return `removed ${sanitize(member)} from ${sanitize(g.name)}; ${who} a new key (epoch ${g.epoch}) that ${sanitize(member)} never gets`
}

export { formatBytes }

export function formatDuration (seconds: number): string {
  if (seconds < 60) return `${seconds} s`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`
}

/** A bar of `cells` cells filled to `fraction`. */
export function progressBar (fraction: number, cells = 20): string {
  const full = Math.max(0, Math.min(cells, Math.round(fraction * cells)))
  return `[${'#'.repeat(full)}${'.'.repeat(cells - full)}]`
}

/** One line of a file's progress: bar, percent, bytes, speed, time left. */
export function progressLine (p: { name: string, received: number, size: number, bytesPerSecond: number, secondsLeft?: number }): string {
  const fraction = p.size === 0 ? 1 : p.received / p.size
  return [
    sanitize(p.name), progressBar(fraction), `${Math.floor(fraction * 100)}%`, `${formatBytes(p.received)}/${formatBytes(p.size)}`,
    ...(p.bytesPerSecond > 0 ? [`${formatBytes(p.bytesPerSecond)}/s`] : []),
    ...(p.secondsLeft != null ? [`${formatDuration(p.secondsLeft)} left`] : [])
  ].join('  ')
}

/** A file as listed: its short id, direction, state, name and size. */
export function formatFile (f: FileInfo): string {
  const state = f.state === 'downloading' ? `downloading ${f.size === 0 ? 100 : Math.floor(f.received * 100 / f.size)}%` : f.state
  return `${f.id.slice(0, 12)}  ${f.direction === 'in' ? 'from' : 'to  '} ${f.conversation.slice(-8)}  ${state.padEnd(16)} ${formatBytes(f.size).padStart(9)}  ${sanitize(f.name)}${f.savedTo != null ? `  -> ${sanitize(f.savedTo)}` : ''}`
}

/** What a file's message shows after its line: offered (and how to get it), progress, saved. */
export function fileStatus (f: { direction: 'in' | 'out', state: string, name: string, received: number, size: number, bytesPerSecond: number, secondsLeft?: number, savedTo?: string, error?: string }): string {
  switch (f.state) {
    case 'offered': return 'offered: /get to download it'
    case 'downloading': return progressLine({ ...f, name: '' }).trim()
    case 'complete': return f.savedTo != null ? `saved to ${sanitize(f.savedTo)}` : 'complete'
    case 'failed': return `failed: ${sanitize(f.error ?? '')} (/get tries again)`
    case 'refused': return 'refused: over your size limit for this contact'
    case 'declined': return 'declined'
    default: return f.received > 0 && f.received < f.size ? `sending ${progressLine({ ...f, name: '' }).trim()}` : ''
  }
}
