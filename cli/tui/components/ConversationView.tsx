import { memo, useEffect, useMemo, useReducer, useRef, type JSX } from 'react'
import { Box, Text, useInput } from 'ink'
import { MessageRow } from './MessageRow.tsx'
import { dayKey, truncate } from '../format.ts'
import { layoutMessage, type MessageLayout } from '../layout.ts'
import type { ChatMessage } from '../chat-message.ts'

export interface ConversationViewProps {
  messages: ChatMessage[]
  hasOlder: boolean
  loading: boolean
  loadOlder: () => void
  width: number
  height: number
  selfName: string
  peerName: string
  /** in a group: a member's name from their peer id */
  nameOf?: (peerId: string) => string
  /** keys reach the view (no overlay is open) */
  active: boolean
  /** picking a message to reply to */
  selecting: boolean
  /** the picked message, or undefined when picking was cancelled */
  onPick: (message: ChatMessage | undefined) => void
}

interface CacheEntry { m: ChatMessage, prevDay: number, quoted?: ChatMessage, layout: MessageLayout }

/** load the next page while this many loaded messages are still above the view */
const LOAD_AHEAD = 30

/**
 * The open conversation. Only the messages that fit are rendered (each a memoized row), from
 * the newest end up, `offset` messages above the newest; older pages load as the view nears
 * the top of what is loaded.
 */
export const ConversationView = memo(function ConversationView ({ messages, hasOlder, loading, loadOlder, width, height, selfName, peerName, nameOf, active, selecting, onPick }: ConversationViewProps): JSX.Element {
  // scroll state lives in a ref: keys that arrive in one chunk (a held PgUp) each see the
  // state the previous one left, without waiting for a render
  const scroll = useRef({ offset: 0, selectedId: undefined as string | undefined, tailId: messages.at(-1)?.id, pendingPages: 0 })
  const [, rerender] = useReducer((n: number) => n + 1, 0)
  const setOffset = (offset: number): void => { scroll.current.offset = offset; rerender() }

  // scrolled up and a message arrives: keep what the user is reading where it is
  const lastId = messages.at(-1)?.id
  if (scroll.current.tailId !== lastId) {
    const before = scroll.current.tailId
    if (scroll.current.offset > 0 && before != null) {
      const at = messages.findLastIndex(m => m.id === before)
      if (at >= 0) scroll.current.offset += messages.length - 1 - at
    }
    scroll.current.tailId = lastId
  }

  // layouts survive re-renders; a new width or name lays everything out again
  const cache = useMemo(() => new Map<string, CacheEntry>(), [width, selfName, peerName, nameOf])
  const index = useMemo(() => ({ byId: undefined as Map<string, ChatMessage> | undefined }), [messages])
  const lookup = (id: string): ChatMessage | undefined => {
    index.byId ??= new Map(messages.map(m => [m.id, m]))
    return index.byId.get(id)
  }
  const layoutAt = (i: number): MessageLayout => {
    const m = messages[i]
    const prev = messages[i - 1]
    const quoted = m.replyTo != null ? lookup(m.replyTo) : undefined
    const prevDay = prev == null ? -1 : dayKey(prev.sentAt)
    const hit = cache.get(m.id)
    if (hit != null && hit.m === m && hit.prevDay === prevDay && hit.quoted === quoted) return hit.layout
    const layout = layoutMessage(m, { width, selfName, peerName, nameOf, quoted, previous: prev })
    cache.set(m.id, { m, prevDay, quoted, layout })
    return layout
  }

  const roomAt = (off: number): number => Math.max(1, height - (off > 0 ? 1 : 0))
  /** the messages shown `off` messages above the newest: [start, end), `clip` lines cut from the first */
  const windowAt = (off: number): { start: number, end: number, clip: number, left: number } => {
    const end = Math.max(0, messages.length - off)
    let left = roomAt(off)
    let start = end
    while (start > 0 && left > 0) { left -= layoutAt(start - 1).lines.length; start-- }
    return { start, end, clip: left < 0 ? -left : 0, left: Math.max(0, left) }
  }
  /** the largest offset that still fills the view: the oldest loaded message at the top */
  const maxOffset = (): number => {
    // at the very beginning, one row says so
    let used = hasOlder ? 0 : 1
    let i = 0
    while (i < messages.length && used < roomAt(1)) used += layoutAt(i++).lines.length
    return Math.max(0, messages.length - i)
  }
  const clamp = (off: number): number => Math.max(0, Math.min(off, maxOffset()))
  const step = (off: number): number => { const w = windowAt(off); return Math.max(1, w.end - w.start - 1) }

  const offset = Math.min(scroll.current.offset, messages.length)
  const view = windowAt(offset)
  // entering pick mode selects the newest message in view; leaving it forgets the pick
  if (selecting && scroll.current.selectedId == null && view.end > 0) scroll.current.selectedId = messages[view.end - 1].id
  if (!selecting) scroll.current.selectedId = undefined
  const selectedIndex = (): number => {
    const id = scroll.current.selectedId
    return id == null ? -1 : messages.findLastIndex(m => m.id === id)
  }

  useEffect(() => {
    if (hasOlder && !loading && view.start < LOAD_AHEAD) loadOlder()
  }, [hasOlder, loading, view.start, loadOlder])

  // PgUp pressed at the top of what was loaded: it moves once the older page is in
  useEffect(() => {
    const sc = scroll.current
    if (sc.pendingPages === 0) return
    const from = sc.offset
    while (sc.pendingPages > 0) {
      const want = sc.offset + step(sc.offset)
      if (want > maxOffset() && (hasOlder || loading)) break
      sc.offset = clamp(want)
      sc.pendingPages--
    }
    if (sc.offset !== from) rerender()
  })

  /** selects message `i` and scrolls just enough to show all of it */
  const select = (i: number): void => {
    const target = Math.max(0, Math.min(messages.length - 1, i))
    if (messages[target] == null) return
    scroll.current.selectedId = messages[target].id
    let off = Math.min(scroll.current.offset, messages.length)
    if (target >= windowAt(off).end) off = messages.length - 1 - target
    for (let w = windowAt(off); off < messages.length && (w.start > target || (w.start === target && w.clip > 0)); w = windowAt(off)) off++
    setOffset(off)
  }

  useInput((input, key) => {
    const off = scroll.current.offset
    if (selecting) {
      if (key.escape) onPick(undefined)
      else if (key.return || input === 'r') onPick(messages[selectedIndex()])
      else if (key.upArrow || input === 'k') select(selectedIndex() - 1)
      else if (key.downArrow || input === 'j') select(selectedIndex() + 1)
      else if (key.pageUp) select(selectedIndex() - step(off))
      else if (key.pageDown) select(selectedIndex() + step(off))
      return
    }
    if (key.pageUp) {
      // a whole page or, while the page above is loading, nothing yet: the move completes when it is in
      const want = off + step(off)
      if (scroll.current.pendingPages > 0 || (want > maxOffset() && (hasOlder || loading))) scroll.current.pendingPages++
      else setOffset(clamp(want))
    }
    else if (key.pageDown) { scroll.current.pendingPages = 0; setOffset(Math.max(0, off - step(off))) }
    else if (key.escape && off > 0) { scroll.current.pendingPages = 0; setOffset(0) }
  }, { isActive: active })

  const selected = selectedIndex()
  const rows: JSX.Element[] = []
  if (messages.length === 0) {
    rows.push(<Text key='empty' dimColor wrap='truncate'>{loading ? 'loading…' : truncate(`No messages yet. Say hello to ${peerName}.`, width)}</Text>)
  } else if (view.start === 0 && view.left > 0) {
    rows.push(<Text key='top' dimColor wrap='truncate'>{hasOlder || loading ? 'loading older messages…' : truncate(`the beginning of your conversation with ${peerName}`, width)}</Text>)
  }
  for (let i = view.start; i < view.end; i++) {
    rows.push(<MessageRow key={messages[i].id} layout={layoutAt(i)} skip={i === view.start ? view.clip : 0} selected={i === selected} />)
  }
  return (
    <Box flexDirection='column' width={width} height={height} overflow='hidden'>
      <Box flexDirection='column' flexGrow={1} justifyContent='flex-end' overflow='hidden'>
        {rows}
      </Box>
      {offset > 0 && <Text color='yellow' wrap='truncate'>{truncate(`↓ ${offset} newer · PgDn, or Esc for the latest`, width)}</Text>}
    </Box>
  )
})
