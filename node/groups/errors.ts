/**
 * One error class per group failure, so the CLI and JSON-RPC clients can tell them apart by
 * `name` and print one clear line.
 */
export class InvalidGroupInviteError extends Error {
  static name = 'InvalidGroupInviteError'
  name = 'InvalidGroupInviteError'
  constructor (reason: string) {
    super(`invalid group invite: ${reason}`)
  }
}

export class InvalidChannelInviteError extends Error {
  static name = 'InvalidChannelInviteError'
  name = 'InvalidChannelInviteError'
  constructor (reason: string) {
    super(`invalid channel invite: ${reason}`)
  }
}

/** Only a channel's owner invites, and only its owner and editors post. */
export class NotChannelOwnerError extends Error {
  static name = 'NotChannelOwnerError'
  name = 'NotChannelOwnerError'
  constructor (name: string, action: string) {
    super(`only the owner${action === 'post' ? ' and editors' : ''} of the channel "${name}" can ${action}: you follow it`)
  }
}

export class EditorRevokedError extends Error {
  static name = 'EditorRevokedError'
  name = 'EditorRevokedError'
  constructor (name: string) {
    super(`the owner of the channel "${name}" revoked you as an editor: you follow it, and your posts are refused`)
  }
}

export class UnknownGroupError extends Error {
  static name = 'UnknownGroupError'
  name = 'UnknownGroupError'
  constructor (ref: string) {
    super(`no group ${JSON.stringify(ref)} (see group list)`)
  }
}

export class AmbiguousGroupError extends Error {
  static name = 'AmbiguousGroupError'
  name = 'AmbiguousGroupError'
  constructor (ref: string) {
    super(`more than one group matches ${JSON.stringify(ref)}: use the group id`)
  }
}

export class GroupNotActiveError extends Error {
  static name = 'GroupNotActiveError'
  name = 'GroupNotActiveError'
  constructor (name: string, state: string) {
    super(state === 'removed' ? `you were removed from the group "${name}"` : `you have left the group "${name}" (join it again with an invite)`)
  }
}

export class NotGroupAdminError extends Error {
  static name = 'NotGroupAdminError'
  name = 'NotGroupAdminError'
  constructor (name: string, action = 'remove members') {
    super(`only the admin of the group "${name}" can ${action}`)
  }
}

export class UnknownGroupMemberError extends Error {
  static name = 'UnknownGroupMemberError'
  name = 'UnknownGroupMemberError'
  constructor (peerId: string, name: string) {
    super(`${peerId} is not a member of the group "${name}" (see group members)`)
  }
}

export class GroupMessageTooLargeError extends Error {
  static name = 'GroupMessageTooLargeError'
  name = 'GroupMessageTooLargeError'
  constructor (size: number, max: number) {
    super(`the message is ${size} bytes, more than the ${max} a group message may hold`)
  }
}

/** A group message that does not decrypt, decode or verify: the validator's reason for refusing it. */
export class InvalidGroupMessageError extends Error {
  static name = 'InvalidGroupMessageError'
  name = 'InvalidGroupMessageError'
  /** short and stable: counted per reason in GroupChats.stats */
  readonly reason: string
  constructor (reason: string, detail?: string) {
    super(`invalid group message: ${reason}${detail != null ? ` (${detail})` : ''}`)
    this.reason = reason
  }
}
