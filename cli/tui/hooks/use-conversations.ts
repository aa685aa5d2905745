import { useCallback, useEffect, useRef, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import type { ContactInfo, GroupInfo, Messenger } from '../../../node/messenger.ts'

export type ConversationKind = 'contact' | 'group' | 'request'

export interface Conversation {
  /** the peer id, or the group id */
  id: string
  kind: ConversationKind
  title: string
  /** a contact is connected (groups: always false) */
  online: boolean
  unread: number
  /** requests: the newest message's time, for ordering (contacts: when added) */
  lastAt: number
  /** contacts and requests */
  contact?: ContactInfo
  /** groups */
  group?: GroupInfo
}

export interface ConversationsState {
  conversations: Conversation[]
  loaded: boolean
  reload: () => Promise<void>
  clearUnread: (id: string) => void
}

/** the order of the sections in the list */
const KIND_ORDER: Record<ConversationKind, number> = { contact: 0, group: 1, request: 2 }

/**
 * Contacts and groups by name, so Tab always walks them in the same order (a message arriving
 * does not reshuffle the list under your fingers); requests newest first.
 */
function sorted (list: Conversation[]): Conversation[] {
  return [...list].sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
    (a.kind === 'request' ? b.lastAt - a.lastAt : 0) ||
    a.title.localeCompare(b.title, undefined, { sensitivity: 'base' }) || a.id.localeCompare(b.id))
}

/** How a group is named in the list: a group you left or were removed from says so. */
export function groupTitle (g: GroupInfo): string {
  return g.state === 'active' ? g.name : `${g.name} (${g.state})`
}

/**
 * Contacts, groups, then message requests, with unread counts and online state, kept current
 * from Messenger events. `activeId` is the open conversation: its messages do not count as unread.
 */
export function useConversations (messenger: Messenger, activeId: string | undefined): ConversationsState {
  const [conversations, setConversations] = useState<Conversation[]>([])
  const [loaded, setLoaded] = useState(false)
  const generation = useRef(0)
  /** reloads under way: what they read may predate an event that arrives meanwhile */
  const reloading = useRef(0)
  const open = useRef(activeId)
  open.current = activeId
  // connection events seen so far: newer than what a list read before them says
  const onlineNow = useRef(new Map<string, boolean>())

  const reload = useCallback(async () => {
    const mine = ++generation.current
    reloading.current++
    try {
      const [contacts, requests, groups] = await Promise.all([messenger.listContacts(), messenger.listRequests(), messenger.listGroups()])
      // contacts are listed by name, so their newest message is not read here; the unread count is the node's own
      const direct = contacts.filter(c => c.state === 'contact').map((c): Conversation => ({
        id: c.peerId, kind: 'contact', title: c.nickname, online: c.online, unread: c.unread, lastAt: c.addedAt, contact: c
      }))
      const pending = requests.filter(r => r.state === 'request').map((r): Conversation => ({
        id: r.peerId, kind: 'request', title: r.nickname, online: r.online, unread: r.messages, lastAt: r.last?.sentAt ?? r.addedAt, contact: r
      }))
      const rooms = groups.map((g): Conversation => ({
        id: g.id, kind: 'group', title: groupTitle(g), online: false, unread: g.unread, lastAt: g.joinedAt, group: g
      }))
      if (mine !== generation.current) return
      const online = onlineNow.current
      setConversations(sorted([...direct, ...rooms, ...pending].map(c => {
        // the open conversation counts nothing, even before the node has been told it was read
        const seen = c.id === open.current && c.unread > 0 ? { ...c, unread: 0 } : c
        return seen.kind !== 'group' && online.has(seen.id) ? { ...seen, online: online.get(seen.id) === true } : seen
      })))
      setLoaded(true)
    } catch {
      // stopping, most likely; the next event or command reloads
    } finally {
      reloading.current--
    }
  }, [messenger])

  useEffect(() => { void reload() }, [reload])

  const clearUnread = useCallback((id: string) => {
    setConversations(list => list.some(c => c.id === id && c.unread > 0) ? list.map(c => c.id === id ? { ...c, unread: 0 } : c) : list)
  }, [])

  /** a message stored in conversation `id`: count it unless it is open, reload for a stranger */
  const arrived = (id: string, sentAt: number, counts: boolean): void => {
    // a reload under way may have read the counts before this message was stored, and would
    // overwrite the count added here: read again instead (the node's counts include it)
    if (reloading.current > 0 || !conversations.some(c => c.id === id)) { void reload(); return }
    setConversations(list => sorted(list.map(c => c.id !== id
      ? c
      : { ...c, lastAt: Math.max(c.lastAt, sentAt), unread: counts && id !== activeId ? c.unread + 1 : c.unread })))
  }

  useMessengerEvent(messenger, 'message', event => {
    const m = event.detail
    // a stranger's first message is a new request
    arrived(m.conversation, m.sentAt, m.direction === 'in')
  })

  useMessengerEvent(messenger, 'group:message', event => {
    const m = event.detail
    // a join, leave or removal changes the member count: read the group again
    if (m.kind !== 'text') { void reload(); return }
    arrived(m.group, m.sentAt, m.direction === 'in')
  })

  const setOnline = (peerId: string, online: boolean): void => {
    onlineNow.current.set(peerId, online)
    setConversations(list => list.some(c => c.id === peerId && c.kind !== 'group' && c.online !== online) ? list.map(c => c.id === peerId && c.kind !== 'group' ? { ...c, online } : c) : list)
  }
  useMessengerEvent(messenger, 'peer:connect', event => { setOnline(event.detail, true) })
  useMessengerEvent(messenger, 'peer:disconnect', event => { setOnline(event.detail, false) })

  return { conversations, loaded, reload, clearUnread }
}
