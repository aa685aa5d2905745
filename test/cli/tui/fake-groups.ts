import { pageOf } from './fake-ids.ts'
import type { GroupInfo, GroupMemberInfo, GroupMessageRecord, GroupSendResult, MessengerEvents } from '../../../node/messenger.ts'

const GROUP_PREFIX = 'hyphae://group/'

interface Group {
  info: GroupInfo
  members: Map<string, GroupMemberInfo>
  messages: GroupMessageRecord[]
}

export interface FakeGroupsHost {
  peerId: string
  nickname: string
  online: Set<string>
  record: (method: string, ...args: unknown[]) => void
  emit: <K extends keyof MessengerEvents>(type: K, detail: MessengerEvents[K]['detail']) => void
}

/** A fake invite to a group: `hyphae://group/<id>#<name>` */
export function fakeGroupInvite (id: string, name: string): string {
  return `${GROUP_PREFIX}${id}#${name}`
}

/**
 * Groups in memory for the fake Messenger: what GroupChats does, without the network. Test
 * helpers (`receive`, `sent`, `memberJoins`) play the other members' part.
 */
export class FakeGroups {
  readonly groups = new Map<string, Group>()
  private readonly host: FakeGroupsHost
  private ids = 0

  constructor (host: FakeGroupsHost) {
    this.host = host
  }

  private nextId (): string {
    return `g${(++this.ids).toString(16).padStart(31, '0')}`
  }

  resolve (ref: string): Group {
    const byId = this.groups.get(ref)
    if (byId != null) return byId
    const named = [...this.groups.values()].filter(g => g.info.name === ref)
    if (named.length === 1) return named[0]
    throw Object.assign(new Error(`no group ${JSON.stringify(ref)} (see groups list)`), { name: 'UnknownGroupError' })
  }

  private active (ref: string): Group {
    const g = this.resolve(ref)
    if (g.info.state !== 'active') throw Object.assign(new Error(`you are no longer in ${g.info.name} (${g.info.state})`), { name: 'GroupNotActiveError' })
    return g
  }

  private info (g: Group): GroupInfo {
    return { ...g.info, members: [...g.members.values()].filter(m => m.state === 'member').length }
  }

  private store (g: Group, fields: Omit<GroupMessageRecord, 'id' | 'group' | 'lamport' | 'storedAt' | 'hash' | 'prev' | 'sentAt'> & { sentAt?: number }): GroupMessageRecord {
    const record: GroupMessageRecord = {
      id: this.nextId(), group: g.info.id, lamport: (g.messages.at(-1)?.lamport ?? 0) + 1, storedAt: Date.now(), hash: '', prev: '', sentAt: Date.now(), ...fields
    }
    g.messages.push(record)
    if (record.direction === 'in' && record.kind === 'text') g.info.unread++
    this.host.emit('group:message', record)
    return record
  }

  private add (name: string, admin: string): Group {
    const id = this.nextId()
    const g: Group = {
      info: { id, name, admin, isAdmin: admin === this.host.peerId, epoch: 0, state: 'active', members: 1, queued: 0, unread: 0, createdAt: Date.now(), joinedAt: Date.now() },
      members: new Map(),
      messages: []
    }
    g.members.set(this.host.peerId, { peerId: this.host.peerId, nickname: this.host.nickname, state: 'member', admin: admin === this.host.peerId, me: true, online: true })
    this.groups.set(id, g)
    return g
  }

  // ---- test helpers: the other members ----

  /** a group someone else made, that this node is in (no events); the admin's join has not arrived */
  seedGroup (name: string, admin: string): string {
    const g = this.add(name, admin)
    g.members.set(admin, { peerId: admin, nickname: '', state: 'member', admin: true, me: false, online: this.host.online.has(admin) })
    return g.info.id
  }

  /** `peerId` joins, with a signed join that names them */
  memberJoins (group: string, peerId: string, nickname: string, sentAt?: number): GroupMessageRecord {
    const g = this.resolve(group)
    g.members.set(peerId, { peerId, nickname, state: 'member', admin: g.info.admin === peerId, me: false, online: this.host.online.has(peerId) })
    return this.store(g, { author: peerId, direction: 'in', kind: 'join', body: nickname, status: 'received', ...(sentAt != null ? { sentAt } : {}) })
  }

  receive (group: string, from: string, body: string): GroupMessageRecord {
    return this.store(this.resolve(group), { author: from, direction: 'in', kind: 'text', body, status: 'received' })
  }

  /** one of our queued messages went out */
  sent (group: string, id: string): void {
    const g = this.resolve(group)
    const at = g.messages.findIndex(m => m.id === id)
    if (at < 0 || g.messages[at].status !== 'queued') return
    g.messages[at] = { ...g.messages[at], status: 'sent' }
    g.info.queued--
    this.host.emit('group:receipt', { id, group: g.info.id, status: 'sent' })
  }

  // ---- the Messenger's group methods ----

  async createGroup (name: string): Promise<GroupInfo> {
    this.host.record('createGroup', name)
    if (name.trim() === '' || name.length > 64) throw Object.assign(new Error('a group name is 1 to 64 characters'), { name: 'InvalidArgumentError' })
    const g = this.add(name.trim(), this.host.peerId)
    this.store(g, { author: this.host.peerId, direction: 'out', kind: 'join', body: this.host.nickname, status: 'sent' })
    return this.info(g)
  }

  async groupInvite (group: string): Promise<string> {
    this.host.record('groupInvite', group)
    const g = this.active(group)
    return fakeGroupInvite(g.info.id, g.info.name)
  }

  async joinGroup (invite: string): Promise<GroupInfo> {
    this.host.record('joinGroup', invite)
    if (!invite.startsWith(GROUP_PREFIX)) throw Object.assign(new Error('invalid group invite: it must start with hyphae://group/'), { name: 'InvalidGroupInviteError' })
    const [id, name] = invite.slice(GROUP_PREFIX.length).split('#')
    if (id == null || name == null || id === '') throw Object.assign(new Error('invalid group invite: it is cut short'), { name: 'InvalidGroupInviteError' })
    const g = this.groups.get(id) ?? this.add(name, 'someone')
    g.info.state = 'active'
    this.store(g, { author: this.host.peerId, direction: 'out', kind: 'join', body: this.host.nickname, status: 'sent' })
    return this.info(g)
  }

  async leaveGroup (group: string): Promise<GroupInfo> {
    this.host.record('leaveGroup', group)
    const g = this.active(group)
    this.store(g, { author: this.host.peerId, direction: 'out', kind: 'leave', body: '', status: 'sent' })
    g.info.state = 'left'
    return this.info(g)
  }

  async removeGroupMember (group: string, peerId: string): Promise<GroupInfo> {
    this.host.record('removeGroupMember', group, peerId)
    const g = this.active(group)
    if (!g.info.isAdmin) throw Object.assign(new Error('only the admin removes members'), { name: 'NotGroupAdminError' })
    const m = g.members.get(peerId)
    if (m == null || m.state !== 'member') throw Object.assign(new Error(`${peerId} is not a member`), { name: 'InvalidArgumentError' })
    g.members.set(peerId, { ...m, state: 'removed' })
    g.info.epoch++
    this.store(g, { author: this.host.peerId, direction: 'out', kind: 'remove', body: '', subject: peerId, status: 'sent' })
    return this.info(g)
  }

  async listGroups (): Promise<GroupInfo[]> {
    return [...this.groups.values()].map(g => this.info(g))
  }

  async groupMembers (group: string): Promise<GroupMemberInfo[]> {
    this.host.record('groupMembers', group)
    const g = this.resolve(group)
    return [...g.members.values()].map(m => ({ ...m, online: m.me || this.host.online.has(m.peerId) }))
  }

  async sendGroupMessage (group: string, text: string): Promise<GroupSendResult> {
    this.host.record('sendGroupMessage', group, text)
    const g = this.active(group)
    if (text.trim() === '') throw Object.assign(new Error('the message is empty'), { name: 'InvalidArgumentError' })
    g.info.queued++
    const record = this.store(g, { author: this.host.peerId, direction: 'out', kind: 'text', body: text, status: 'queued' })
    return { id: record.id, status: record.status }
  }

  async listGroupMessages (group: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> {
    this.host.record('listGroupMessages', group, options)
    return pageOf(this.resolve(group).messages, options)
  }

  async markGroupRead (group: string): Promise<void> {
    this.host.record('markGroupRead', group)
    this.resolve(group).info.unread = 0
  }

  // ---- channels: groups marked `channel`, nobody listed ----

  /** a channel someone else owns, that this node follows (no events) */
  seedChannel (name: string, owner: string): string {
    const g = this.add(name, owner)
    g.info.channel = true
    g.members.clear()
    return g.info.id
  }

  async createChannel (name: string): Promise<GroupInfo> {
    this.host.record('createChannel', name)
    const g = this.add(name.trim(), this.host.peerId)
    g.info.channel = true
    g.members.clear()
    return this.info(g)
  }

  private channel (ref: string): Group {
    const g = this.resolve(ref)
    if (g.info.channel !== true) throw Object.assign(new Error(`"${g.info.name}" is a group, not a channel`), { name: 'InvalidArgumentError' })
    return g
  }

  async channelInvite (channel: string): Promise<string> {
    return `hyphae://channel/${this.channel(channel).info.id}`
  }

  async followChannel (invite: string): Promise<GroupInfo> {
    this.host.record('followChannel', invite)
    const id = invite.replace('hyphae://channel/', '')
    return this.info(this.groups.get(id) ?? this.resolve(this.seedChannel(id, 'someone')))
  }

  async unfollowChannel (channel: string): Promise<GroupInfo> {
    const g = this.channel(channel)
    g.info.state = 'left'
    return this.info(g)
  }

  async postChannel (channel: string, text: string): Promise<GroupSendResult> {
    return this.sendGroupMessage(this.channel(channel).info.id, text)
  }

  async revokeChannelEditor (channel: string, editor: string): Promise<GroupSendResult> {
    const g = this.channel(channel)
    this.host.record('revokeChannelEditor', g.info.id, editor)
    return { id: `revoke-${editor}`, status: 'sent' }
  }

  async listChannelMessages (channel: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> {
    return this.listGroupMessages(this.channel(channel).info.id, options)
  }
}
