import type { MailboxStatus } from './pb/mailbox.ts'

export class MailboxRefusedError extends Error {
  static name = 'MailboxRefusedError'
  name = 'MailboxRefusedError'
  readonly status: MailboxStatus
  /** with WORK: the bits of work the relay asks */
  readonly workBits: number
  constructor (status: MailboxStatus, workBits = 0) {
    super(`the mailbox refused: ${status}`)
    this.status = status
    this.workBits = workBits
  }
}

export class MailboxProtocolError extends Error {
  static name = 'MailboxProtocolError'
  name = 'MailboxProtocolError'
}

/** The peer speaks /hyphae/mailbox/1.0.0 only (mailboxes by peer id), which this version refuses. */
export class LegacyMailboxError extends Error {
  static name = 'LegacyMailboxError'
  name = 'LegacyMailboxError'
  constructor (message = 'mailbox protocol 1.0.0 (by peer id, unsealed) is no longer served: upgrade to /hyphae/mailbox/2.0.0 (queues)') {
    super(message)
  }
}
