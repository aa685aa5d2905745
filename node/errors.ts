/**
 * One error class per failure, so callers (and the CLI) can tell them apart by `name`
 * and print one clear line.
 */
export class ProfileLockedError extends Error {
  static name = 'ProfileLockedError'
  name = 'ProfileLockedError'
  constructor (dataDir: string) {
    super(`the profile at ${dataDir} is in use by another hyphae process (stop it, or use another --data-dir)`)
  }
}

export class WrongPassphraseError extends Error {
  static name = 'WrongPassphraseError'
  name = 'WrongPassphraseError'
  constructor (message = 'wrong passphrase for the identity key') {
    super(message)
  }
}

export class PassphraseRequiredError extends Error {
  static name = 'PassphraseRequiredError'
  name = 'PassphraseRequiredError'
  constructor (message = 'the identity key is encrypted: set HYPHAE_PASSPHRASE or run from a terminal to be asked') {
    super(message)
  }
}

export class CorruptKeyFileError extends Error {
  static name = 'CorruptKeyFileError'
  name = 'CorruptKeyFileError'
  constructor (path: string, reason: string) {
    super(`the identity key file ${path} is unreadable or corrupt (${reason}); it was left untouched`)
  }
}

export class InvalidMultiaddrError extends Error {
  static name = 'InvalidMultiaddrError'
  name = 'InvalidMultiaddrError'
  constructor (value: string, reason?: string) {
    super(`not a valid multiaddr: ${JSON.stringify(value)}${reason != null ? ` (${reason})` : ''}`)
  }
}

export class NotInitializedError extends Error {
  static name = 'NotInitializedError'
  name = 'NotInitializedError'
  constructor (dataDir: string) {
    super(`no profile at ${dataDir} (run \`hyphae init\` first, or check --data-dir and HYPHAE_HOME); nothing was created`)
  }
}

export class AlreadyInitializedError extends Error {
  static name = 'AlreadyInitializedError'
  name = 'AlreadyInitializedError'
  constructor (dataDir: string) {
    super(`${dataDir} already holds an identity; nothing was changed`)
  }
}

export class InvalidInviteError extends Error {
  static name = 'InvalidInviteError'
  name = 'InvalidInviteError'
  constructor (reason: string) {
    super(`invalid invite: ${reason}`)
  }
}

export class CorruptStoreError extends Error {
  static name = 'CorruptStoreError'
  name = 'CorruptStoreError'
  constructor (path: string, reason: string) {
    super(`the store at ${path} cannot be opened (${reason}); it was left untouched`)
  }
}

export class UnknownContactError extends Error {
  static name = 'UnknownContactError'
  name = 'UnknownContactError'
  constructor (ref: string) {
    super(`no contact ${JSON.stringify(ref)} (see contacts list)`)
  }
}

export class AmbiguousContactError extends Error {
  static name = 'AmbiguousContactError'
  name = 'AmbiguousContactError'
  constructor (ref: string) {
    super(`more than one contact is called ${JSON.stringify(ref)}: use the peer id`)
  }
}

export class BlockedContactError extends Error {
  static name = 'BlockedContactError'
  name = 'BlockedContactError'
  constructor (peerId: string) {
    super(`${peerId} is blocked: unblock them by adding them again`)
  }
}

export class InvalidArgumentError extends Error {
  static name = 'InvalidArgumentError'
  name = 'InvalidArgumentError'
}
