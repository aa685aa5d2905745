import type { GroupMessageRecord, MessageRecord, MessageStatus } from '../../node/messenger.ts'

/**
 * What the conversation view shows: a direct message as it is, a group message with its
 * author, and a group's joins, leaves and removals as lines of their own.
 */
export interface ChatMessage {
  id: string
  direction: 'in' | 'out'
  body: string
  replyTo?: string
  lamport: number
  sentAt: number
  status: MessageStatus
  /** groups: the author's peer id */
  author?: string
  /** groups: a membership change rather than a text */
  event?: 'join' | 'leave' | 'remove' | 'revoke'
  /** groups, for a removal: who was removed; channels, for a revocation: the editor */
  subject?: string
  /** a file's message: its id (its state comes from files.list and file:progress) */
  file?: { id: string, name: string, size: number }
}

export function fromDirect (m: MessageRecord): ChatMessage {
  return m
}

export function fromGroup (m: GroupMessageRecord): ChatMessage {
  return {
    id: m.id,
    direction: m.direction,
    body: m.body,
    lamport: m.lamport,
    sentAt: m.sentAt,
    status: m.status,
    author: m.author,
    event: m.kind === 'text' ? undefined : m.kind,
    subject: m.subject
  }
}

/** the store's order: Lamport clock, then id */
export function byClock (a: ChatMessage, b: ChatMessage): number {
  return a.lamport - b.lamport || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}
