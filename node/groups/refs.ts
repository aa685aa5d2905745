import { InvalidArgumentError } from '../errors.ts'
import { MAX_NAME_LENGTH } from './crypto.ts'
import { AmbiguousGroupError, UnknownGroupError } from './errors.ts'
import { isAdmin } from './membership.ts'
import type { GroupInfo } from '../messenger.ts'
import type { GroupRecord, GroupsStore } from '../store/groups-store.ts'

/** A group by id, unique id prefix (4+ hex digits) or unique name (an active one first). */
export function findGroup (all: GroupRecord[], ref: string): GroupRecord {
  if (typeof ref !== 'string' || ref.trim() === '') throw new InvalidArgumentError('name a group by its id or name')
  const wanted = ref.trim()
  const byId = all.find(g => g.id === wanted.toLowerCase())
  if (byId != null) return byId
  const byName = all.filter(g => g.name === wanted)
  const named = byName.filter(g => g.state === 'active').length === 1 ? byName.filter(g => g.state === 'active') : byName
  if (named.length === 1) return named[0]
  if (named.length > 1) throw new AmbiguousGroupError(wanted)
  if (/^[0-9a-f]{4,}$/i.test(wanted)) {
    const byPrefix = all.filter(g => g.id.startsWith(wanted.toLowerCase()))
    if (byPrefix.length === 1) return byPrefix[0]
    if (byPrefix.length > 1) throw new AmbiguousGroupError(wanted)
  }
  throw new UnknownGroupError(wanted)
}

/** The record, which must be a channel's (a group is refused, not acted on). */
export function channelOf (record: GroupRecord): GroupRecord {
  if (record.channel !== true) throw new InvalidArgumentError(`"${record.name}" is a group, not a channel (see group --help)`)
  return record
}

/** A new group's name, trimmed: 1 to MAX_NAME_LENGTH characters. */
export function checkName (name: string): string {
  const trimmed = typeof name === 'string' ? name.trim() : ''
  if (trimmed === '' || trimmed.length > MAX_NAME_LENGTH) throw new InvalidArgumentError(`a group name is 1 to ${MAX_NAME_LENGTH} characters`)
  return trimmed
}


/** What the API shows of a group: its record, member count, outbox and unread counts. */
export async function groupInfo (store: GroupsStore, record: GroupRecord, me: string): Promise<GroupInfo> {
  const members = await store.listMembers(record.id)
  return {
    id: record.id,
    name: record.name,
    admin: record.admin,
    isAdmin: isAdmin(record, me),
    epoch: record.epoch,
    state: record.state,
    members: members.filter(m => m.state === 'member').length,
    queued: await store.outboxSize(record.id),
    unread: await store.unreadCount(record.id),
    createdAt: record.createdAt,
    joinedAt: record.joinedAt,
    ...(record.channel === true ? { channel: true, editor: record.editorCert != null && record.revoked?.[me] == null } : {})
  }
}
