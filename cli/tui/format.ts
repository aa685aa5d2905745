import stringWidth from 'string-width'
import type { MessageStatus, Reachability } from '../../node/messenger.ts'

/** Compact delivery marks for your own messages (the help overlay lists them). */
export const STATUS_MARKS: Record<MessageStatus, string> = {
  queued: '◷',
  sent: '✓',
  delivered: '✓✓',
  read: '◉',
  failed: '✗',
  received: ''
}

export const STATUS_WORDS: Record<MessageStatus, string> = {
  queued: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed',
  received: ''
}

const REACHABILITY: Record<Reachability, string> = {
  direct: 'direct',
  'via-relay': 'via relay',
  offline: 'offline',
  'lan-only': 'LAN only'
}

export function reachabilityLabel (r: Reachability | undefined): string {
  return r == null ? '…' : REACHABILITY[r] ?? r
}

/** Peer ids all start with 12D3KooW: the tail is what tells them apart. */
export function shortPeerId (peerId: string): string {
  return peerId.length <= 10 ? peerId : `…${peerId.slice(-8)}`
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

const pad2 = (n: number): string => n.toString().padStart(2, '0')

/** HH:MM, local time */
export function formatTime (ms: number): string {
  const d = new Date(ms)
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`
}

/** A local calendar day, as a key that sorts and compares */
export function dayKey (ms: number): number {
  const d = new Date(ms)
  return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate()
}

/** "Today", "Yesterday" or "Mon 3 Mar 2025" (fixed English, so no ICU surprises) */
export function formatDay (ms: number, now = Date.now()): string {
  const key = dayKey(ms)
  if (key === dayKey(now)) return 'Today'
  const yesterday = new Date(now)
  yesterday.setDate(yesterday.getDate() - 1)
  if (key === dayKey(yesterday.getTime())) return 'Yesterday'
  const d = new Date(ms)
  return `${DAYS[d.getDay()]} ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`
}

/**
 * Text from the network is shown, never obeyed: control characters (escape sequences that
 * could move the cursor, retitle the window or ring the bell) become visible symbols.
 */
export function sanitize (text: string): string {
  return text.replace(/\t/g, '  ').replace(/\r\n?/g, '\n').replace(UNSAFE, '�')
}

/** C0 and C1 controls (newline aside) and the bidi overrides that reorder what follows them. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * Remote text for a line-oriented command's output: sanitized, and every line after the first
 * indented, so a message cannot print a line that looks like another message or a prompt.
 */
export function sanitizeLines (text: string, indent = '    '): string {
  return sanitize(text).replace(/\n/g, '\n' + indent)
}

/**
 * JSON for the terminal: what JSON.stringify leaves raw among those characters (DEL, the C1
 * controls, bidi overrides) is escaped too, so the data round-trips but never acts on the screen.
 */
export function terminalJson (value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE, c => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** Visible width in terminal cells (wide CJK and emoji count 2) */
export function width (text: string): number {
  return stringWidth(text)
}

const segmenter = new Intl.Segmenter()

/** Cuts `text` to at most `max` cells, ending in … when cut. */
export function truncate (text: string, max: number): string {
  if (max <= 0) return ''
  if (width(text) <= max) return text
  let out = ''
  let w = 0
  for (const { segment } of segmenter.segment(text)) {
    const sw = width(segment)
    if (w + sw > max - 1) break
    out += segment
    w += sw
  }
  return out + '…'
}

/** Pads with spaces to exactly `cells` wide (truncating when longer). */
export function fit (text: string, cells: number): string {
  const t = truncate(text, cells)
  return t + ' '.repeat(Math.max(0, cells - width(t)))
}

/** The first few words of a message, for a reply's quote. */
export function firstWords (text: string, words = 6, maxCells = 40): string {
  const flat = sanitize(text).replace(/\s+/g, ' ').trim()
  const parts = flat.split(' ')
  const head = parts.slice(0, words).join(' ')
  return truncate(parts.length > words ? head + '…' : head, maxCells)
}

/**
 * Word-wraps to `firstWidth` cells on the first line and `restWidth` after; words longer
 * than a line are cut. Newlines in the text are kept.
 */
export function wrap (text: string, firstWidth: number, restWidth = firstWidth): string[] {
  const lines: string[] = []
  let line = ''
  let lineWidth = 0
  const limit = (): number => Math.max(1, lines.length === 0 ? firstWidth : restWidth)
  const push = (): void => { lines.push(line.trimEnd()); line = ''; lineWidth = 0 }
  for (const paragraph of text.split('\n')) {
    for (const token of paragraph.split(/(\s+)/)) {
      if (token === '') continue
      const tw = width(token)
      if (/^\s+$/.test(token)) {
        if (lineWidth === 0) continue
        if (lineWidth + tw <= limit()) { line += token; lineWidth += tw } else push()
        continue
      }
      if (lineWidth + tw <= limit()) { line += token; lineWidth += tw; continue }
      if (lineWidth > 0 && tw <= limit()) { push(); line = token; lineWidth = tw; continue }
      // a word longer than the line: cut it where it overflows
      for (const { segment } of segmenter.segment(token)) {
        const sw = width(segment)
        if (lineWidth + sw > limit() && lineWidth > 0) push()
        line += segment
        lineWidth += sw
      }
    }
    push()
  }
  return lines.length === 0 ? [''] : lines
}

/** "3", or "99+" */
export function countLabel (n: number): string {
  return n > 99 ? '99+' : String(n)
}
