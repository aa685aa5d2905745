import { useCallback, useEffect, useRef, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import type { Messenger, MessageRecord } from '../../../node/messenger.ts'

export const PAGE_SIZE = 100

export interface MessagesState {
  /** the pages loaded so far, oldest first */
  messages: MessageRecord[]
  /** false once the first message of the conversation is loaded */
  hasOlder: boolean
  loading: boolean
  /** loads the page before the oldest loaded message (no-op while one is loading) */
  loadOlder: () => void
}

interface Loaded {
  conversation?: string
  messages: MessageRecord[]
  hasOlder: boolean
  loading: boolean
}

/** the store's order: Lamport clock, then id */
function byClock (a: MessageRecord, b: MessageRecord): number {
  return a.lamport - b.lamport || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

const EMPTY: MessageRecord[] = []

/**
 * One conversation's history, loaded a page at a time from the newest end, kept current from
 * 'message' (new ones, your own included) and 'receipt' (delivery state) events.
 */
export function useMessages (messenger: Messenger, conversation: string | undefined, pageSize = PAGE_SIZE): MessagesState {
  const [state, setState] = useState<Loaded>({ conversation, messages: EMPTY, hasOlder: false, loading: false })
  // the conversation pages are wanted for: an answer for another one is dropped
  const current = useRef(conversation)
  const inFlight = useRef(false)
  const oldest = useRef<string | undefined>(undefined)

  const load = useCallback(async (ref: string, before: string | undefined) => {
    inFlight.current = true
    setState(s => s.conversation === ref ? { ...s, loading: true } : s)
    let page: MessageRecord[] | undefined
    try {
      page = await messenger.listMessages(ref, { limit: pageSize, before })
    } catch {}
    if (current.current !== ref) return
    inFlight.current = false
    setState(s => {
      if (s.conversation !== ref) return s
      if (page == null) return { ...s, loading: false, hasOlder: false }
      // events may have brought messages while the first page was on its way
      const ids = new Set(page.map(m => m.id))
      const messages = before == null ? [...page, ...s.messages.filter(m => !ids.has(m.id))].sort(byClock) : [...page, ...s.messages]
      oldest.current = messages[0]?.id
      return { conversation: ref, messages, hasOlder: page.length === pageSize, loading: false }
    })
  }, [messenger, pageSize])

  useEffect(() => {
    current.current = conversation
    inFlight.current = false
    oldest.current = undefined
    setState({ conversation, messages: EMPTY, hasOlder: false, loading: conversation != null })
    if (conversation != null) void load(conversation, undefined)
  }, [conversation, load])

  const loadOlder = useCallback(() => {
    const ref = current.current
    if (ref == null || inFlight.current || oldest.current == null) return
    void load(ref, oldest.current)
  }, [load])

  useMessengerEvent(messenger, 'message', event => {
    const m = event.detail
    if (m.conversation !== conversation) return
    setState(s => {
      if (s.conversation !== m.conversation) return s
      const prev = s.messages
      const at = prev.findLastIndex(x => x.id === m.id)
      if (at >= 0) return { ...s, messages: prev.with(at, m) }
      // kept in conversation order: a late message lands where its clock puts it
      let i = prev.length
      while (i > 0 && byClock(prev[i - 1], m) > 0) i--
      const messages = [...prev.slice(0, i), m, ...prev.slice(i)]
      oldest.current = messages[0].id
      return { ...s, messages }
    })
  })

  useMessengerEvent(messenger, 'receipt', event => {
    const r = event.detail
    if (r.conversation !== conversation) return
    setState(s => {
      const at = s.conversation === r.conversation ? s.messages.findLastIndex(x => x.id === r.id) : -1
      return at < 0 || s.messages[at].status === r.status ? s : { ...s, messages: s.messages.with(at, { ...s.messages[at], status: r.status }) }
    })
  })

  const mine = state.conversation === conversation
  return {
    messages: mine ? state.messages : EMPTY,
    hasOlder: mine && state.hasOlder,
    loading: !mine || state.loading,
    loadOlder
  }
}
