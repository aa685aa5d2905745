import { useCallback, useEffect, useRef, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import type { ContactInfo, Messenger, MessageRecord } from '../../../node/messenger.ts'

/** 'group' joins this union when groups land; the list already renders sections by kind. */
export type ConversationKind = 'contact' | 'request'

export interface Conversation {
  /** the peer id (a group id, later) */
  id: string
  kind: ConversationKind
  title: string
  online: boolean
  unread: number
  /** the newest message's time, for ordering; when added, for a silent contact */
  lastAt: number
  contact: ContactInfo
}

export interface ConversationsState {
  conversations: Conversation[]
  loaded: boolean
  reload: () => Promise<void>
  clearUnread: (id: string) => void
}

/** how far back unread messages are counted when the list loads */
const UNREAD_SCAN = 200
/** the order of the sections in the list */
const KIND_ORDER: Record<ConversationKind, number> = { contact: 0, request: 1 }

/**
 * Contacts by name, so Tab always walks them in the same order (a message arriving does not
 * reshuffle the list under your fingers); requests newest first.
 */
function sorted (list: Conversation[]): Conversation[] {
  return [...list].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.kind === 'request' ? b.lastAt - a.lastAt : 0) ||
    a.title.localeCompare(b.title, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id))
}

function unreadIn (page: MessageRecord[]): number {
  return page.filter(m => m.direction === 'in' && m.status === 'received').length
}

/**
 * Contacts, then message requests, with unread counts and online state, kept current from
 * Messenger events. `activeId` is the open conversation: its messages do not count as unread.
 */
export function useConversations (messenger: Messenger, activeId: string | undefined): ConversationsState {
  const [conversations, setConversations] = useState<Conversation[]>([])
  const [loaded, setLoaded] = useState(false)
  const generation = useRef(0)
  // connection events seen so far: newer than what a list read before them says
  const onlineNow = useRef(new Map<string, boolean>())

  const reload = useCallback(async () => {
    const mine = ++generation.current
    try {
      const [contacts, requests] = await Promise.all([messenger.listContacts(), messenger.listRequests()])
      const direct = await Promise.all(contacts.filter(c => c.state === 'contact').map(async (c): Promise<Conversation> => {
        const page = await messenger.listMessages(c.peerId, { limit: UNREAD_SCAN }).catch(() => [])
        return { id: c.peerId, kind: 'contact', title: c.nickname, online: c.online, unread: unreadIn(page), lastAt: page.at(-1)?.sentAt ?? c.addedAt, contact: c }
      }))
      const pending = requests.filter(r => r.state === 'request').map((r): Conversation => ({
        id: r.peerId, kind: 'request', title: r.nickname, online: r.online, unread: r.messages, lastAt: r.last?.sentAt ?? r.addedAt, contact: r
      }))
      if (mine !== generation.current) return
      const online = onlineNow.current
      setConversations(sorted([...direct, ...pending].map(c => online.has(c.id) ? { ...c, online: online.get(c.id) === true } : c)))
      setLoaded(true)
    } catch {
      // stopping, most likely; the next event or command reloads
    }
  }, [messenger])

  useEffect(() => { void reload() }, [reload])

  const clearUnread = useCallback((id: string) => {
    setConversations(list => list.some(c => c.id === id && c.unread > 0) ? list.map(c => c.id === id ? { ...c, unread: 0 } : c) : list)
  }, [])

  useMessengerEvent(messenger, 'message', event => {
    const m = event.detail
    const known = conversations.some(c => c.id === m.conversation)
    // a stranger's first message is a new request
    if (!known) { void reload(); return }
    setConversations(list => sorted(list.map(c => c.id !== m.conversation
      ? c
      : { ...c, lastAt: Math.max(c.lastAt, m.sentAt), unread: m.direction === 'in' && m.conversation !== activeId ? c.unread + 1 : c.unread })))
  })

  const setOnline = (peerId: string, online: boolean): void => {
    onlineNow.current.set(peerId, online)
    setConversations(list => list.some(c => c.id === peerId && c.online !== online) ? list.map(c => c.id === peerId ? { ...c, online } : c) : list)
  }
  useMessengerEvent(messenger, 'peer:connect', event => { setOnline(event.detail, true) })
  useMessengerEvent(messenger, 'peer:disconnect', event => { setOnline(event.detail, false) })

  return { conversations, loaded, reload, clearUnread }
}
