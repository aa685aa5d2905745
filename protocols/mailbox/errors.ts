import type { MailboxStatus } from './pb/mailbox.ts'

export class MailboxRefusedError extends Error {
  static name = 'MailboxRefusedError'
  name = 'MailboxRefusedError'
  readonly status: MailboxStatus
  constructor (status: MailboxStatus) {
    super(`the mailbox refused: ${status}`)
    this.status = status
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
