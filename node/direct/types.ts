/** What the Messenger shows of contacts, requests and direct messages. */
import type { ContactState } from '../store/contacts-store.ts'
import type { MessageRecord, MessageStatus } from '../store/messages-store.ts'

export interface ContactInfo {
  peerId: string
  nickname: string
  state: ContactState
  online: boolean
  /** 60 digits to compare with the contact's screen; absent until their key is known */
  safetyNumber?: string
  addedAt: number
}

/** A contact as listed: with how many of their messages you have not read. */
export interface ContactSummary extends ContactInfo {
  unread: number
  /** disappearing messages: seconds a message is kept in this conversation, 0 (or absent) when off */
  timer?: number
}

export interface MessageRequest extends ContactInfo {
  messages: number
  last?: MessageRecord
  /** older messages of this request dropped to keep it under its quota */
  dropped: number
}

/** The request quota dropped a request's older messages, or (whole) all of a request. */
export interface RequestDropEvent {
  peerId: string
  messages: number
  whole: boolean
}

/** What the request quota has dropped since the profile was made. */
export interface RequestDrops {
  requests: number
  messages: number
}

export interface SendResult {
  id: string
  status: MessageStatus
}

export interface ReceiptEvent {
  id: string
  conversation: string
  status: MessageStatus
}
