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
