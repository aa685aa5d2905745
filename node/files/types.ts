/** What the Messenger shows of files sent and offered. */
import type { SendResult } from '../direct/types.ts'

/**
 * A file sent or offered in a conversation. `in`: offered (waiting for you to accept), then
 * downloading, then complete (saved to savedTo), or failed, declined, refused (over the
 * contact's size limit). `out`: shared (the recipient may fetch it from you).
 */
export type FileState = 'offered' | 'downloading' | 'complete' | 'failed' | 'declined' | 'refused' | 'shared'

export interface FileInfo {
  /** the file's Merkle root, 64 hex digits (a unique prefix of 4+ names it) */
  id: string
  /** the message that carried the offer */
  messageId: string
  /** the contact's peer id */
  conversation: string
  direction: 'in' | 'out'
  /** sanitized: a plain file name, safe to create */
  name: string
  size: number
  state: FileState
  /** bytes held and checked */
  received: number
  /** where the plaintext was written */
  savedTo?: string
  error?: string
  /** chunks refused because they did not match the file's Merkle root */
  refusedChunks: number
  createdAt: number
  /** a group's file: the group's id (conversation is the group's id too) */
  group?: string
  /** a group's file received: the member who offered it */
  author?: string
}

export interface FileProgress {
  id: string
  conversation: string
  name: string
  direction: 'in' | 'out'
  state: FileState
  received: number
  size: number
  bytesPerSecond: number
  secondsLeft?: number
  savedTo?: string
  error?: string
}

/** Per contact: offers up to autoAccept bytes are fetched without asking; over maxSize, refused. */
export interface FileLimits {
  autoAccept: number
  maxSize: number
}

export interface FileSendResult extends SendResult {
  file: FileInfo
}
