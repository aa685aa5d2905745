/**
 * The rules of a group's membership, as pure functions of the records they read: who may post,
 * who is admin, what a join, leave or removal does to the member list, which epoch a new key or
 * an invite may move the group to. Reading and writing the store is the callers' job.
 */
import type { GroupMemberRecord, GroupMessageKind, GroupRecord } from '../store/groups-store.ts'

/** How a message reached us: live on an epoch's topic, from a member's history, or our own. */
export type Via = { epoch: number, source: { toString: () => string } } | { sync: true, source: { toString: () => string } } | { own: true }

/** The fields of a message that membership depends on. */
export interface MembershipMessage {
  kind: GroupMessageKind
  author: string
  lamport: number
  /** join: the nickname (cut to `maxName`) */
  body: string
  /** remove: the peer id removed */
  subject?: string
  /** the epoch the message was written in (a removal ends it) */
  epoch: number
}

/** What applying a message changes: member records and the group record to write. */
export interface MembershipChange {
  members: GroupMemberRecord[]
  group?: GroupRecord
  /** the message removed this node */
  removedMe: boolean
  /** someone not counted as a member before is one now */
  newMember: boolean
}

/**
 * How far ahead of our clock a message's Lamport clock may be. Honest clocks move by one per
 * message, so even a member that missed this many messages catches up through history (served
 * in clock order); a peer can move everyone's clock by at most this much per message, which
 * keeps 2^53 out of reach (an author at the rate limit would need decades).
 */
export const MAX_CLOCK_AHEAD = 1 << 20

/** Whether a message's clock is one we take: never further ahead of ours than MAX_CLOCK_AHEAD. */
export function clockInBounds (local: number, lamport: number): boolean {
  return Number.isSafeInteger(lamport) && lamport >= 1 && lamport <= local + MAX_CLOCK_AHEAD
}

export function isAdmin (record: Pick<GroupRecord, 'admin'>, peerId: string): boolean {
  return record.admin === peerId
}

/**
 * Whether a removed member's message still counts: live, only on an epoch after the removal
 * (they were invited back); from history, only what they wrote before it.
 */
export function admits (member: GroupMemberRecord, lamport: number, via: Via): boolean {
  if ('epoch' in via) return via.epoch > (member.removedEpoch ?? Infinity)
  if ('sync' in via) return member.removedAt == null || lamport < member.removedAt
  return true
}

/**
 * Whether a message of `author` is taken into an active group: only the admin removes, and a
 * removed member's messages count only as `admits` says. `member` is the author's record.
 */
export function mayPost (record: Pick<GroupRecord, 'state' | 'admin'>, kind: GroupMessageKind, author: string, member: GroupMemberRecord | undefined, lamport: number, via: Via): boolean {
  if (record.state !== 'active') return false
  if (kind === 'remove' && !isAdmin(record, author)) return false
  return member?.state !== 'removed' || admits(member, lamport, via)
}

/**
 * Whether a removal is one that no honest member would relay on a topic: not from the topic's
 * admin, not written in the topic's epoch, or removing the admin.
 */
export function isForgedRemoval (topic: { admin: string, epoch: number }, author: string, epoch: number, subject: string | undefined): boolean {
  return author !== topic.admin || epoch !== topic.epoch || subject === topic.admin
}

/**
 * What a join, leave or removal changes in the member list (and, for a removal, the group).
 * `member` is the author's record, `target` the removed member's (the author's when the same).
 */
export function applyMessage (record: GroupRecord, msg: MembershipMessage, member: GroupMemberRecord | undefined, target: GroupMemberRecord | undefined, self: string, via: Via, maxName: number): MembershipChange {
  const change: MembershipChange = { members: [], removedMe: false, newMember: false }
  const base = member ?? { peerId: msg.author, nickname: '', admin: isAdmin(record, msg.author), at: 0 }
  switch (msg.kind) {
    case 'join':
      // an older join than the change we hold says nothing new, unless it readmits a removed member
      if (member != null && member.at >= msg.lamport && member.state !== 'removed') break
      change.newMember = member?.state !== 'member'
      change.members.push({ peerId: msg.author, nickname: msg.body.slice(0, maxName), state: 'member', admin: isAdmin(record, msg.author), at: msg.lamport })
      break
    case 'leave':
      if (member != null && member.at >= msg.lamport) break
      change.members.push({ ...base, state: 'left', at: msg.lamport })
      // the admin's next key is on its way (it re-keys on a leave): hold our own messages, which
      // the member who left could still read, until it arrives
      if ('epoch' in via && via.epoch === record.epoch && !isAdmin(record, msg.author) && !isAdmin(record, self)) {
        change.group = { ...record, awaitingEpoch: record.epoch + 1 }
      }
      break
    case 'remove': {
      const subject = msg.subject as string
      if (target == null || target.at < msg.lamport || target.state !== 'removed') {
        change.members.push({
          ...(target ?? { peerId: subject, nickname: '', admin: false }),
          state: 'removed',
          at: Math.max(target?.at ?? 0, msg.lamport),
          removedAt: msg.lamport,
          removedEpoch: msg.epoch
        })
      }
      if (subject === self) {
        change.group = { ...record, state: 'removed' }
        change.removedMe = true
      } else if (!('own' in via) && record.epoch <= msg.epoch) {
        // the admin's next key is on its way: hold our own messages until it arrives
        change.group = { ...record, awaitingEpoch: msg.epoch + 1 }
      }
      break
    }
    case 'text': case 'revoke':
      break
  }
  return change
}

/** Members named by an invite or a new key that we do not list yet, known only by peer id. */
export function namedMembers (record: Pick<GroupRecord, 'admin'>, named: Iterable<string>, known: ReadonlyMap<string, GroupMemberRecord>, self: string): GroupMemberRecord[] {
  const out: GroupMemberRecord[] = []
  for (const peerId of new Set(named)) {
    if (peerId === self || known.has(peerId)) continue
    out.push({ peerId, nickname: '', state: 'member', admin: isAdmin(record, peerId), at: 0 })
  }
  return out
}

export interface InviteTerms {
  id: string
  name: string
  admin: string
  epoch: number
  /** hex */
  secret: string
  /** hex */
  nonce?: string
  /** an invite to a channel */
  channel?: boolean
}

/**
 * What an invite does to the group we may already hold. `error`: it names another admin, or an
 * older epoch than the one we left or were removed at. `join`: a join must be announced (we were
 * not an active member); otherwise we only learn the epoch, or nothing when ours is as new.
 */
export function acceptInvite (existing: GroupRecord | undefined, invite: InviteTerms, now: number): { error: string } | { record: GroupRecord, join: boolean, fresh: boolean, changed: boolean } {
  if (existing != null && existing.admin !== invite.admin) return { error: 'it names another admin for a group you already have' }
  if (existing != null && (existing.channel === true) !== (invite.channel === true)) return { error: `you hold a ${existing.channel === true ? 'channel' : 'group'} with its id` }
  if (existing?.state === 'active' && existing.epoch >= invite.epoch) return { record: existing, join: false, fresh: false, changed: false }
  if (existing != null && existing.state !== 'active' && existing.epoch > invite.epoch) {
    return { error: `it holds epoch ${invite.epoch} of the group, older than the ${existing.epoch} you had: ask for a fresh one` }
  }
  const record: GroupRecord = {
    id: invite.id,
    name: existing?.name ?? invite.name,
    admin: invite.admin,
    nonce: invite.nonce ?? existing?.nonce,
    epoch: invite.epoch,
    secrets: { ...existing?.secrets, [invite.epoch]: invite.secret },
    state: 'active',
    createdAt: existing?.createdAt ?? now,
    joinedAt: existing?.state === 'active' ? existing.joinedAt : now
  }
  // still a member, only behind on the epoch (a key that never reached us): no new join
  return { record, join: existing?.state !== 'active', fresh: existing == null, changed: true }
}

/** The admin's removal of `removed`: the next epoch with its secret, and who must be handed it. */
export function nextEpoch (record: GroupRecord, members: GroupMemberRecord[], removed: string, self: string, secret: string): GroupRecord {
  return {
    ...record,
    epoch: record.epoch + 1,
    secrets: { ...record.secrets, [record.epoch + 1]: secret },
    awaitingEpoch: undefined,
    rekeyPending: members.filter(m => m.state === 'member' && m.peerId !== self && m.peerId !== removed).map(m => m.peerId)
  }
}

/** Who a new key names: the members who keep the group (the admin first) and those removed. */
export function rekeyRoster (members: GroupMemberRecord[], self: string): { members: string[], removed: string[] } {
  return {
    removed: members.filter(m => m.state === 'removed').map(m => m.peerId),
    members: [self, ...members.filter(m => m.state === 'member' && m.peerId !== self).map(m => m.peerId)]
  }
}

export interface NewKey {
  epoch: number
  /** hex */
  secret: string
  removed: string[]
  members: string[]
}

/**
 * What a new key signed by the admin does: nothing for an epoch we hold already or a group we
 * no longer take part in; 'removed' when it names us removed; otherwise the next group record
 * and the member records it changes (those removed, and members we did not know of).
 */
export function applyNewKey (record: GroupRecord, key: NewKey, known: ReadonlyMap<string, GroupMemberRecord>, self: string): 'stale' | 'removed' | { group: GroupRecord, members: GroupMemberRecord[] } {
  if (key.epoch <= record.epoch || record.state !== 'active') return 'stale'
  if (key.removed.includes(self)) return 'removed'
  const group: GroupRecord = { ...record, epoch: key.epoch, secrets: { ...record.secrets, [key.epoch]: key.secret }, awaitingEpoch: undefined }
  const members: GroupMemberRecord[] = []
  for (const peerId of new Set(key.removed)) {
    const m = known.get(peerId)
    if (m?.state === 'removed') continue
    members.push({ ...(m ?? { peerId, nickname: '', admin: false, at: 0 }), state: 'removed', removedEpoch: key.epoch - 1 })
  }
  members.push(...namedMembers(record, key.members, known, self))
  return { group, members }
}
