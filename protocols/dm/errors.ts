/**
 * One error class per failure, so callers can tell them apart by `name` without parsing
 * messages.
 */
import type { AckStatus } from './pb/dm.ts'

export class MessageTooLargeError extends Error {
  static name = 'MessageTooLargeError'
  name = 'MessageTooLargeError'
  constructor (size: number, max: number, what = 'message body') {
    super(`the ${what} is ${size} bytes, more than the ${max} allowed`)
  }
}

export class EmptyMessageError extends Error {
  static name = 'EmptyMessageError'
  name = 'EmptyMessageError'
  constructor (message = 'the message body is empty') {
    super(message)
  }
}

export class UnsupportedKeyError extends Error {
  static name = 'UnsupportedKeyError'
  name = 'UnsupportedKeyError'
  constructor (type: string) {
    super(`direct messages need Ed25519 keys, not ${type}`)
  }
}

export class MalformedEnvelopeError extends Error {
  static name = 'MalformedEnvelopeError'
  name = 'MalformedEnvelopeError'
  constructor (reason: string) {
    super(`malformed envelope: ${reason}`)
  }
}

export class WrongRecipientError extends Error {
  static name = 'WrongRecipientError'
  name = 'WrongRecipientError'
  constructor (message = 'the envelope is addressed to another key') {
    super(message)
  }
}

export class UnexpectedSenderError extends Error {
  static name = 'UnexpectedSenderError'
  name = 'UnexpectedSenderError'
  constructor (message = 'the envelope was written by someone other than the expected sender') {
    super(message)
  }
}

export class DuplicateMessageError extends Error {
  static name = 'DuplicateMessageError'
  name = 'DuplicateMessageError'
  constructor (message = 'this message was already decrypted (its key is used up): a retry or a replay') {
    super(message)
  }
}

export class NoSessionError extends Error {
  static name = 'NoSessionError'
  name = 'NoSessionError'
  constructor (peer: string) {
    super(`no Signal session with ${peer} and no prekeys of theirs: add them by invite, or reach them once online`)
  }
}

export class DecryptionFailedError extends Error {
  static name = 'DecryptionFailedError'
  name = 'DecryptionFailedError'
  constructor (message = 'the envelope does not decrypt (tampered, not for us, or from a session we do not have)') {
    super(message)
  }
}

export class MalformedFrameError extends Error {
  static name = 'MalformedFrameError'
  name = 'MalformedFrameError'
  constructor (reason: string) {
    super(`malformed frame: ${reason}`)
  }
}

export class PeerRefusedError extends Error {
  static name = 'PeerRefusedError'
  name = 'PeerRefusedError'
  readonly status: AckStatus
  constructor (status: AckStatus) {
    super(`the peer did not store the message: ${status}`)
    this.status = status
  }
}

export class AckTimeoutError extends Error {
  static name = 'AckTimeoutError'
  name = 'AckTimeoutError'
  constructor (message = 'timed out waiting for the peer to acknowledge') {
    super(message)
  }
}

export class ChannelClosedError extends Error {
  static name = 'ChannelClosedError'
  name = 'ChannelClosedError'
  constructor (message = 'the stream to the peer closed before it acknowledged') {
    super(message)
  }
}

export class ServiceStoppedError extends Error {
  static name = 'ServiceStoppedError'
  name = 'ServiceStoppedError'
  constructor (message = 'the direct message service is not running') {
    super(message)
  }
}
