import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  acceptInvite, admits, applyMessage, applyNewKey, clockInBounds, isAdmin, MAX_CLOCK_AHEAD, isForgedRemoval, mayPost, namedMembers, nextEpoch, rekeyRoster,
  type MembershipMessage, type Via
} from '../../node/groups/membership.ts'
import { findGroup } from '../../node/groups/refs.ts'
import type { GroupMemberRecord, GroupRecord } from '../../node/store/groups-store.ts'

const ME = 'me'
const ADMIN = 'admin'
const source = { toString: () => 'relay' }
const live = (epoch: number): Via => ({ epoch, source })
const synced: Via = { sync: true, source }
const own: Via = { own: true }

function group (over: Partial<GroupRecord> = {}): GroupRecord {
  return { id: 'aa'.repeat(16), name: 'friends', admin: ADMIN, epoch: 2, secrets: { 2: 's2' }, state: 'active', createdAt: 1, joinedAt: 1, ...over }
}

function member (peerId: string, over: Partial<GroupMemberRecord> = {}): GroupMemberRecord {
  return { peerId, nickname: peerId, state: 'member', admin: peerId === ADMIN, at: 5, ...over }
}

function msg (over: Partial<MembershipMessage>): MembershipMessage {
  return { kind: 'text', author: 'bob', lamport: 10, body: '', epoch: 2, ...over }
}

describe('group membership rules', () => {
  it('the admin is the one the group record names', () => {
    assert.equal(isAdmin(group(), ADMIN), true)
    assert.equal(isAdmin(group(), 'bob'), false)
  })

  it('a clock is taken only up to MAX_CLOCK_AHEAD past ours, and never 2^53-1 in one step', () => {
    assert.equal(clockInBounds(0, 1), true)
    assert.equal(clockInBounds(0, MAX_CLOCK_AHEAD), true)
    assert.equal(clockInBounds(0, MAX_CLOCK_AHEAD + 1), false)
    assert.equal(clockInBounds(10, 3), true, 'older clocks are history, not an attack')
    assert.equal(clockInBounds(100, Number.MAX_SAFE_INTEGER), false)
    assert.equal(clockInBounds(100, 0), false)
    assert.equal(clockInBounds(100, 1.5), false)
  })

  it('who may post: members and strangers, not a removed member nor a non-admin removal', () => {
    const g = group()
    assert.equal(mayPost(g, 'text', 'bob', member('bob'), 10, live(2)), true)
    assert.equal(mayPost(g, 'join', 'carol', undefined, 10, live(2)), true, 'a newcomer announces its join')
    assert.equal(mayPost(g, 'remove', 'bob', member('bob'), 10, live(2)), false, 'only the admin removes')
    assert.equal(mayPost(g, 'remove', ADMIN, member(ADMIN), 10, live(2)), true)
    assert.equal(mayPost({ ...g, state: 'left' }, 'text', 'bob', member('bob'), 10, live(2)), false, 'nothing is taken into a group we left')
    const removed = member('bob', { state: 'removed', removedAt: 8, removedEpoch: 1 })
    assert.equal(mayPost(g, 'text', 'bob', removed, 10, live(2)), true, 'live on an epoch after the removal: invited back')
    assert.equal(mayPost(g, 'text', 'bob', removed, 10, live(1)), false, 'live on the epoch it was removed in')
    assert.equal(mayPost(g, 'text', 'bob', removed, 7, synced), true, 'from history, written before the removal')
    assert.equal(mayPost(g, 'text', 'bob', removed, 9, synced), false, 'from history, written after it')
  })

  it('admits a removed member only as the removal allows', () => {
    const removed = member('bob', { state: 'removed', removedAt: 8, removedEpoch: 3 })
    assert.equal(admits(removed, 100, live(3)), false)
    assert.equal(admits(removed, 100, live(4)), true)
    assert.equal(admits(member('bob', { state: 'removed' }), 100, live(9)), false, 'a removal known without its epoch keeps them out')
    assert.equal(admits(member('bob', { state: 'removed' }), 100, synced), true, 'a removal known only from a key does not hide their history')
    assert.equal(admits(removed, 100, own), true)
  })

  it('a forged removal: not the admin, another epoch, or the admin removed', () => {
    const topic = { admin: ADMIN, epoch: 2 }
    assert.equal(isForgedRemoval(topic, ADMIN, 2, 'bob'), false)
    assert.equal(isForgedRemoval(topic, 'bob', 2, 'carol'), true)
    assert.equal(isForgedRemoval(topic, ADMIN, 1, 'bob'), true)
    assert.equal(isForgedRemoval(topic, ADMIN, 2, ADMIN), true)
  })

  it('a join adds the author with its nickname (cut), unless an older join than what we hold', () => {
    const g = group()
    const fresh = applyMessage(g, msg({ kind: 'join', author: 'carol', body: 'carolina', lamport: 3 }), undefined, undefined, ME, live(2), 5)
    assert.deepEqual(fresh.members, [{ peerId: 'carol', nickname: 'carol', state: 'member', admin: false, at: 3 }])
    assert.equal(fresh.newMember, true)
    assert.equal(fresh.group, undefined)
    const stale = applyMessage(g, msg({ kind: 'join', author: 'bob', lamport: 4 }), member('bob', { at: 5 }), undefined, ME, live(2), 64)
    assert.deepEqual(stale.members, [], 'a join older than the last change says nothing new')
    const again = applyMessage(g, msg({ kind: 'join', author: 'bob', lamport: 9 }), member('bob', { at: 5 }), undefined, ME, live(2), 64)
    assert.equal(again.members.length, 1)
    assert.equal(again.newMember, false, 'already counted as a member')
    const back = applyMessage(g, msg({ kind: 'join', author: 'bob', lamport: 2 }), member('bob', { state: 'removed', at: 5 }), undefined, ME, live(3), 64)
    assert.equal(back.members[0].state, 'member', 'a join readmits a removed member whatever its clock')
    assert.equal(back.newMember, true)
    const admin = applyMessage(g, msg({ kind: 'join', author: ADMIN, lamport: 1 }), undefined, undefined, ME, live(2), 64)
    assert.equal(admin.members[0].admin, true)
  })

  it('a leave marks the author left, unless older than what we hold', () => {
    const g = group()
    const left = applyMessage(g, msg({ kind: 'leave', lamport: 9 }), member('bob', { at: 5 }), undefined, ME, live(2), 64)
    assert.deepEqual(left.members, [{ ...member('bob'), state: 'left', at: 9 }])
    assert.deepEqual(applyMessage(g, msg({ kind: 'leave', lamport: 5 }), member('bob', { at: 5 }), undefined, ME, live(2), 64).members, [])
    const unknown = applyMessage(g, msg({ kind: 'leave', lamport: 9 }), undefined, undefined, ME, live(2), 64)
    assert.deepEqual(unknown.members, [{ peerId: 'bob', nickname: '', admin: false, state: 'left', at: 9 }])
  })

  it('a live leave in our epoch holds our outbox for the admin\'s next key; from history, or for the admin, it does not', () => {
    const g = group()
    const leave = msg({ kind: 'leave', lamport: 9 })
    assert.equal(applyMessage(g, leave, member('bob'), undefined, ME, live(2), 64).group?.awaitingEpoch, 3)
    assert.equal(applyMessage(g, leave, member('bob'), undefined, ME, synced, 64).group, undefined, 'from history: the epoch may be long gone')
    assert.equal(applyMessage(g, leave, member('bob'), undefined, ME, live(1), 64).group, undefined, 'an older epoch\'s topic')
    assert.equal(applyMessage(g, leave, member('bob'), undefined, ADMIN, live(2), 64).group, undefined, 'the admin re-keys itself')
    assert.equal(applyMessage(g, msg({ kind: 'leave', author: ADMIN, lamport: 9 }), member(ADMIN), undefined, ME, live(2), 64).group, undefined, 'nobody re-keys after the admin')
  })

  it('a removal marks its subject removed, with its clock and epoch, and holds our outbox for the next key', () => {
    const g = group()
    const removal = msg({ kind: 'remove', author: ADMIN, subject: 'bob', lamport: 12, epoch: 2 })
    const out = applyMessage(g, removal, member(ADMIN), member('bob', { at: 5 }), ME, live(2), 64)
    assert.deepEqual(out.members, [{ ...member('bob'), state: 'removed', at: 12, removedAt: 12, removedEpoch: 2 }])
    assert.deepEqual(out.group, { ...g, awaitingEpoch: 3 }, 'our messages wait for epoch 3')
    assert.equal(out.removedMe, false)
    assert.equal(applyMessage(g, removal, member(ADMIN), member('bob'), ME, own, 64).group, undefined, 'the admin makes the next key itself')
    assert.equal(applyMessage(group({ epoch: 3 }), removal, member(ADMIN), member('bob'), ME, synced, 64).group, undefined, 'the next key is already here')
    const already = member('bob', { state: 'removed', at: 12, removedAt: 12, removedEpoch: 2 })
    assert.deepEqual(applyMessage(g, removal, member(ADMIN), already, ME, live(2), 64).members, [], 'the same removal twice')
    const me = applyMessage(g, { ...removal, subject: ME }, member(ADMIN), undefined, ME, live(2), 64)
    assert.equal(me.removedMe, true)
    assert.deepEqual(me.group, { ...g, state: 'removed' })
    assert.deepEqual(me.members, [{ peerId: ME, nickname: '', admin: false, state: 'removed', at: 12, removedAt: 12, removedEpoch: 2 }])
  })

  it('a text changes no membership', () => {
    assert.deepEqual(applyMessage(group(), msg({}), member('bob'), undefined, ME, live(2), 64), { members: [], removedMe: false, newMember: false })
  })

  it('names the members an invite or key lists that we do not know, never ourselves', () => {
    const known = new Map([['bob', member('bob')]])
    assert.deepEqual(namedMembers(group(), [ADMIN, 'bob', ME, 'carol', 'carol'], known, ME).map(m => [m.peerId, m.admin, m.at]), [[ADMIN, true, 0], ['carol', false, 0]])
  })

  it('an invite: joins a new group, catches up on a newer epoch, refuses another admin or an older epoch', () => {
    const invite = { id: 'aa'.repeat(16), name: 'friends', admin: ADMIN, epoch: 2, secret: 's2' }
    const fresh = acceptInvite(undefined, invite, 50)
    assert.ok(!('error' in fresh))
    assert.deepEqual([fresh.join, fresh.fresh, fresh.changed, fresh.record.joinedAt, fresh.record.secrets], [true, true, true, 50, { 2: 's2' }])
    const same = acceptInvite(group(), invite, 50)
    assert.ok(!('error' in same) && !same.changed && !same.join, 'an active group at that epoch: nothing to do')
    const behind = acceptInvite(group({ epoch: 1, secrets: { 1: 's1' } }), invite, 50)
    assert.ok(!('error' in behind))
    assert.deepEqual([behind.join, behind.changed, behind.record.epoch, behind.record.joinedAt, behind.record.secrets], [false, true, 2, 1, { 1: 's1', 2: 's2' }], 'a key that never reached us: no new join')
    const rejoin = acceptInvite(group({ state: 'left' }), invite, 50)
    assert.ok(!('error' in rejoin) && rejoin.join && !rejoin.fresh && rejoin.record.state === 'active' && rejoin.record.joinedAt === 50)
    assert.ok('error' in acceptInvite(group({ admin: 'mallory' }), invite, 50))
    assert.ok('error' in acceptInvite(group({ state: 'removed', epoch: 3 }), invite, 50), 'an invite older than the epoch we were removed at')
    // a channel's invite never lands on a group's record, nor a group's on a channel's
    assert.deepEqual(acceptInvite(group(), { ...invite, channel: true }, 50), { error: 'you hold a group with its id' })
    assert.deepEqual(acceptInvite(group({ channel: true }), invite, 50), { error: 'you hold a channel with its id' })
    assert.ok(!('error' in acceptInvite(group({ channel: true, state: 'left' }), { ...invite, channel: true }, 50)))
  })

  it('a removal by the admin: the next epoch and who must be handed its key', () => {
    const members = [member(ME), member('bob'), member('carol'), member('dave', { state: 'left' }), member('erin', { state: 'removed' })]
    const next = nextEpoch(group({ awaitingEpoch: 2 }), members, 'carol', ME, 's3')
    assert.equal(next.epoch, 3)
    assert.deepEqual(next.secrets, { 2: 's2', 3: 's3' })
    assert.equal(next.awaitingEpoch, undefined)
    assert.deepEqual(next.rekeyPending, ['bob'])
    assert.deepEqual(rekeyRoster([...members.slice(0, 2), member('carol', { state: 'removed' }), ...members.slice(3)], ME), { members: [ME, 'bob'], removed: ['carol', 'erin'] })
  })

  it('a new key: only a newer epoch of an active group; naming us removed ends it', () => {
    const known = new Map([['bob', member('bob')], ['carol', member('carol', { state: 'removed' })]])
    const key = { epoch: 3, secret: 's3', removed: ['bob', 'carol'], members: [ADMIN, ME, 'dave'] }
    const out = applyNewKey(group({ awaitingEpoch: 3 }), key, known, ME)
    assert.ok(typeof out === 'object')
    assert.deepEqual([out.group.epoch, out.group.secrets, out.group.awaitingEpoch], [3, { 2: 's2', 3: 's3' }, undefined])
    assert.deepEqual(out.members.map(m => [m.peerId, m.state, m.removedEpoch]), [['bob', 'removed', 2], [ADMIN, 'member', undefined], ['dave', 'member', undefined]])
    assert.equal(applyNewKey(group(), { ...key, epoch: 2 }, known, ME), 'stale')
    assert.equal(applyNewKey(group({ state: 'left' }), key, known, ME), 'stale')
    assert.equal(applyNewKey(group(), { ...key, removed: [ME] }, known, ME), 'removed')
  })

  it('finds a group by id, unique name (an active one first) or id prefix', () => {
    const a = group({ id: 'ab'.repeat(16), name: 'same', state: 'left' })
    const b = group({ id: 'ac'.repeat(16), name: 'same' })
    const c = group({ id: 'cd'.repeat(16), name: 'other' })
    assert.equal(findGroup([a, b, c], 'ab'.repeat(16)), a)
    assert.equal(findGroup([a, b, c], 'same'), b)
    assert.equal(findGroup([a, b, c], 'CDCD'), c)
    assert.throws(() => findGroup([a, b, c], 'abac'), { name: 'UnknownGroupError' })
    assert.throws(() => findGroup([a, b, c], 'abc'), { name: 'UnknownGroupError' }, 'a prefix is 4 digits or more')
    assert.throws(() => findGroup([group({ id: 'abcd'.repeat(8) }), group({ id: 'abcd' + 'ef'.repeat(14) })], 'abcd'), { name: 'AmbiguousGroupError' })
    assert.throws(() => findGroup([a, group({ id: 'ae'.repeat(16), name: 'same', state: 'left' })], 'same'), { name: 'AmbiguousGroupError' })
    assert.throws(() => findGroup([a, b], ' '), { name: 'InvalidArgumentError' })
  })
})
