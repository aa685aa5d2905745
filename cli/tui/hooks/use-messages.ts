import { useCallback, useEffect, useRef, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import { byClock, fromDirect, fromGroup, type ChatMessage } from '../chat-message.ts'
import type { Messenger, MessageStatus } from '../../../node/messenger.ts'

export const PAGE_SIZE = 100

/** The conversation whose history is wanted: a contact's (or request's) by peer id, or a group's. */
export interface HistoryRef {
  id: string
  group: boolean
}

export interface MessagesState {
  /** the pages loaded so far, oldest first */
  messages: ChatMessage[]
  /** false once the first message of the conversation is loaded */
  hasOlder: boolean
  loading: boolean
  /** loads the page before the oldest loaded message (no-op while one is loading) */
  loadOlder: () => void
}

interface Loaded {
  conversation?: string
  messages: ChatMessage[]
  hasOlder: boolean
  loading: boolean
}

const EMPTY: ChatMessage[] = []

async function page (messenger: Messenger, ref: HistoryRef, limit: number, before: string | undefined): Promise<ChatMessage[]> {
  if (ref.group) return (await messenger.listGroupMessages(ref.id, { limit, before })).map(fromGroup)
  return (await messenger.listMessages(ref.id, { limit, before })).map(fromDirect)
}

/**
 * One conversation's history, loaded a page at a time from the newest end, kept current from
 * 'message' and 'group:message' (new ones, your own included) and 'receipt' and
 * 'group:receipt' (delivery state) events.
 */
export function useMessages (messenger: Messenger, ref: HistoryRef | undefined, pageSize = PAGE_SIZE): MessagesState {
  const conversation = ref?.id
  const isGroup = ref?.group === true
  const [state, setState] = useState<Loaded>({ conversation, messages: EMPTY, hasOlder: false, loading: false })
  // the conversation pages are wanted for: an answer for another one is dropped
  const current = useRef(conversation)
  const inFlight = useRef(false)
  const oldest = useRef<string | undefined>(undefined)

  const load = useCallback(async (target: HistoryRef, before: string | undefined) => {
    inFlight.current = true
    setState(s => s.conversation === target.id ? { ...s, loading: true } : s)
    let got: ChatMessage[] | undefined
    try {
      got = await page(messenger, target, pageSize, before)
    } catch {}
    if (current.current !== target.id) return
    inFlight.current = false
    setState(s => {
      if (s.conversation !== target.id) return s
      if (got == null) return { ...s, loading: false, hasOlder: false }
      // events may have brought messages while the first page was on its way
      const ids = new Set(got.map(m => m.id))
      const messages = before == null ? [...got, ...s.messages.filter(m => !ids.has(m.id))].sort(byClock) : [...got, ...s.messages]
      oldest.current = messages[0]?.id
      return { conversation: target.id, messages, hasOlder: got.length === pageSize, loading: false }
    })
  }, [messenger, pageSize])

  useEffect(() => {
    current.current = conversation
    inFlight.current = false
    oldest.current = undefined
    setState({ conversation, messages: EMPTY, hasOlder: false, loading: conversation != null })
    if (conversation != null) void load({ id: conversation, group: isGroup }, undefined)
  }, [conversation, isGroup, load])

  const loadOlder = useCallback(() => {
    const id = current.current
    if (id == null || inFlight.current || oldest.current == null) return
    void load({ id, group: isGroup }, oldest.current)
  }, [load, isGroup])

  const arrived = (where: string, m: ChatMessage): void => {
    if (where !== conversation) return
    setState(s => {
      if (s.conversation !== where) return s
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
  }

  const changed = (where: string, id: string, status: MessageStatus): void => {
    if (where !== conversation) return
    setState(s => {
      const at = s.conversation === where ? s.messages.findLastIndex(x => x.id === id) : -1
      return at < 0 || s.messages[at].status === status ? s : { ...s, messages: s.messages.with(at, { ...s.messages[at], status }) }
    })
  }

  useMessengerEvent(messenger, 'message', event => { if (!isGroup) arrived(event.detail.conversation, fromDirect(event.detail)) })
  useMessengerEvent(messenger, 'group:message', event => { if (isGroup) arrived(event.detail.group, fromGroup(event.detail)) })
  useMessengerEvent(messenger, 'receipt', event => { if (!isGroup) changed(event.detail.conversation, event.detail.id, event.detail.status) })
  useMessengerEvent(messenger, 'group:receipt', event => { if (isGroup) changed(event.detail.group, event.detail.id, event.detail.status) })

  const mine = state.conversation === conversation
  return {
    messages: mine ? state.messages : EMPTY,
    hasOlder: mine && state.hasOlder,
    loading: !mine || state.loading,
    loadOlder
  }
}
