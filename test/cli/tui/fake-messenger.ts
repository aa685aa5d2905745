import { TypedEventEmitter } from 'main-event'
import { FakeGroups } from './fake-groups.ts'
import { fakeInvite, fakeIdsMade, fakePeerId, INVITE_PREFIX, pageOf } from './fake-ids.ts'
import type {
  ContactInfo, ContactSummary, DoctorReport, FileInfo, FileLimits, FileSendResult, IdentityInfo, Messenger, MessengerEvents, MessageRecord, MessageRequest, MessageStatus,
  NodeStatus, Reachability, RelayInfo, RequestDrops, SendResult, Settings
} from '../../../node/messenger.ts'

export { fakeInvite, fakePeerId, pageOf } from './fake-ids.ts'

const RANK: Record<MessageStatus, number> = { queued: 0, sent: 1, failed: 2, delivered: 3, read: 4, received: 0 }

const EVENTS = ['message', 'receipt', 'group:message', 'group:receipt', 'peer:connect', 'peer:disconnect'] as const

interface Contact {
  peerId: string
  nickname: string
  state: ContactInfo['state']
  addedAt: number
  safetyNumber?: string
}

/**
 * The Messenger interface in memory, with EventTarget events, for rendering the TUI without a
 * node. Test helpers (`receive`, `receipt`, `connectPeer`, `seed`...) play the network's part;
 * `calls` records what the UI asked for.
 */
export class FakeMessenger extends TypedEventEmitter<MessengerEvents> implements Messenger {
  readonly peerId: string
  nickname: string
  reachability: Reachability = 'lan-only'
  /** false: the profile has no passphrase (the status bar warns) */
  passphrase: boolean | undefined = undefined
  readonly contacts = new Map<string, Contact>()
  readonly conversations = new Map<string, MessageRecord[]>()
  readonly outbox = new Set<string>()
  readonly online = new Set<string>()
  readonly calls: Array<{ method: string, args: unknown[] }> = []
  settingsValue: Settings = { readReceipts: false, censored: false, proxy: null, onion: null, dhtServer: false }
  stopped = false
  /** ms each listContacts and listMessages call takes (0: next tick) */
  latency = 0
  /** groups, and the helpers that play the other members */
  readonly groups: FakeGroups
  private ids = 0
  private clock = Date.UTC(2025, 0, 1)

  constructor (options: { nickname?: string, peerId?: string } = {}) {
    super()
    this.peerId = options.peerId ?? fakePeerId('Self')
    this.nickname = options.nickname ?? 'me'
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this
    this.groups = new FakeGroups({
      peerId: this.peerId,
      get nickname () { return self.nickname },
      online: this.online,
      record: (method, ...args) => { this.record(method, ...args) },
      emit: (type, detail) => { this.safeDispatchEvent(type, { detail } as any) }
    })
  }

  private record (method: string, ...args: unknown[]): void {
    this.calls.push({ method, args })
  }

  callsOf (method: string): unknown[][] {
    return this.calls.filter(c => c.method === method).map(c => c.args)
  }

  /** listeners still registered for the events the TUI uses */
  listenerTotal (): number {
    return EVENTS.reduce((n, e) => n + this.listenerCount(e), 0)
  }

  private nextId (): string {
    return (++this.ids).toString(16).padStart(32, '0')
  }

  private resolve (ref: string): Contact {
    const byId = this.contacts.get(ref.trim())
    if (byId != null) return byId
    const named = [...this.contacts.values()].filter(c => c.nickname === ref.trim())
    if (named.length === 1) return named[0]
    if (named.length > 1) throw Object.assign(new Error(`more than one contact is called ${JSON.stringify(ref)}: use the peer id`), { name: 'AmbiguousContactError' })
    throw Object.assign(new Error(`no contact ${JSON.stringify(ref)} (see contacts list)`), { name: 'UnknownContactError' })
  }

  private info (c: Contact): ContactInfo {
    return { peerId: c.peerId, nickname: c.nickname, state: c.state, online: this.online.has(c.peerId), safetyNumber: c.safetyNumber, addedAt: c.addedAt }
  }

  private messagesOf (peerId: string): MessageRecord[] {
    let list = this.conversations.get(peerId)
    if (list == null) { list = []; this.conversations.set(peerId, list) }
    return list
  }

  private store (record: MessageRecord): void {
    this.messagesOf(record.conversation).push(record)
    this.safeDispatchEvent('message', { detail: record })
  }

  // ---- test helpers: the network's side ----

  /** puts a message straight into a conversation (no event), e.g. history from before the UI started */
  put (conversation: string, fields: Partial<MessageRecord> & { body: string }): MessageRecord {
    const list = this.messagesOf(conversation)
    const record: MessageRecord = {
      id: this.nextId(), conversation, direction: 'in', lamport: (list.at(-1)?.lamport ?? 0) + 1,
      sentAt: Date.now(), storedAt: Date.now(), status: fields.direction === 'out' ? 'delivered' : 'read', ...fields
    }
    list.push(record)
    return record
  }

  /** a contact, as if added from their invite */
  addFake (nickname: string, options: { online?: boolean, state?: Contact['state'], peerId?: string, addedAt?: number } = {}): string {
    const peerId = options.peerId ?? fakePeerId(nickname.replace(/[^A-Za-z]/g, '').slice(0, 6))
    const digits = Array.from({ length: 12 }, (_, i) => ((fakeIdsMade() * 7919 + i * 104729) % 100000).toString().padStart(5, '0')).join(' ')
    this.contacts.set(peerId, { peerId, nickname, state: options.state ?? 'contact', addedAt: options.addedAt ?? this.clock, safetyNumber: digits })
    if (options.online === true) this.online.add(peerId)
    return peerId
  }

  /** a message arrives from `from` (a stranger becomes a message request) */
  receive (from: string, body: string, options: { replyTo?: string, sentAt?: number } = {}): MessageRecord {
    if (!this.contacts.has(from)) this.contacts.set(from, { peerId: from, nickname: from.slice(-8), state: 'request', addedAt: Date.now() })
    const list = this.messagesOf(from)
    const record: MessageRecord = {
      id: this.nextId(), conversation: from, direction: 'in', body, replyTo: options.replyTo,
      lamport: (list.at(-1)?.lamport ?? 0) + 1, sentAt: options.sentAt ?? Date.now(), storedAt: Date.now(), status: 'received'
    }
    this.store(record)
    return record
  }

  /** one of our messages changed state on the network */
  receipt (id: string, status: MessageStatus): void {
    for (const [conversation, list] of this.conversations) {
      const at = list.findIndex(m => m.id === id)
      if (at < 0) continue
      if (RANK[list[at].status] >= RANK[status]) return
      list[at] = { ...list[at], status }
      if (status === 'delivered' || status === 'failed') this.outbox.delete(id)
      this.safeDispatchEvent('receipt', { detail: { id, conversation, status } })
      return
    }
  }

  connectPeer (peerId: string): void {
    this.online.add(peerId)
    this.safeDispatchEvent('peer:connect', { detail: peerId })
  }

  disconnectPeer (peerId: string): void {
    this.online.delete(peerId)
    this.safeDispatchEvent('peer:disconnect', { detail: peerId })
  }

  /**
   * `count` messages in a conversation, alternating directions, one a minute ending at `end`
   * (default today at noon: ending "now" put a day separator in the view when run after
   * midnight, and page arithmetic in the specs was off by its line); no events
   */
  seed (peerId: string, count: number, options: { end?: number, body?: (i: number) => string } = {}): MessageRecord[] {
    const list = this.messagesOf(peerId)
    const noon = new Date()
    noon.setHours(12, 0, 0, 0)
    const end = options.end ?? noon.getTime()
    const start = list.at(-1)?.lamport ?? 0
    for (let i = 0; i < count; i++) {
      const out = i % 2 === 1
      list.push({
        id: this.nextId(), conversation: peerId, direction: out ? 'out' : 'in', body: options.body?.(i) ?? `message number ${i}`,
        lamport: start + i + 1, sentAt: end - (count - 1 - i) * 60_000, storedAt: end, status: out ? 'delivered' : 'read'
      })
    }
    return list
  }

  // ---- the Messenger interface ----

  async id (): Promise<IdentityInfo> {
    this.record('id')
    return { peerId: this.peerId, nickname: this.nickname, addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${this.peerId}`], invite: fakeInvite(this.peerId, this.nickname) }
  }

  async status (): Promise<NodeStatus> {
    if (this.stopped) throw new Error('stopped')
    return {
      peerId: this.peerId,
      nickname: this.nickname,
      connections: this.online.size,
      peers: [...this.online].map(peerId => ({ peerId, address: '/ip4/127.0.0.1/tcp/4002', direction: 'outbound' as const })),
      listenAddresses: ['/ip4/127.0.0.1/tcp/4001'],
      reachability: this.online.size === 0 ? 'offline' : this.reachability,
      dht: { mode: 'server', routingTableSize: this.online.size },
      knownPeers: this.contacts.size,
      stalledConnectionsClosed: 0,
      stallDetectionsMs: [],
      ...(this.passphrase != null ? { passphrase: this.passphrase } : {})
    }
  }

  async setNickname (nickname: string): Promise<void> {
    this.record('setNickname', nickname)
    this.nickname = nickname
  }

  async findPeer (peerId: string): Promise<string[]> {
    this.record('findPeer', peerId)
    return []
  }

  async connect (target: string): Promise<void> {
    this.record('connect', target)
  }

  async addContact (inviteOrPeerId: string, nickname?: string): Promise<ContactInfo> {
    this.record('addContact', inviteOrPeerId, nickname)
    let peerId: string
    let inviteName = ''
    if (inviteOrPeerId.startsWith(INVITE_PREFIX)) {
      // as the node does: the words after the invite name the contact
      const [invite, ...after] = inviteOrPeerId.split(/\s+/)
      if (nickname == null && after.length > 0) nickname = after.join(' ')
      const [id, name] = invite.slice(INVITE_PREFIX.length).split('#')
      if (id == null || !id.startsWith('12D3KooW')) throw Object.assign(new Error('invalid invite: not a hyphae invite'), { name: 'InvalidInviteError' })
      peerId = id
      inviteName = name ?? ''
    } else if (inviteOrPeerId.startsWith('12D3KooW')) {
      peerId = inviteOrPeerId
    } else {
      throw Object.assign(new Error(`not an invite or a peer id: ${JSON.stringify(inviteOrPeerId)}`), { name: 'InvalidArgumentError' })
    }
    if (peerId === this.peerId) throw Object.assign(new Error('that is your own identity'), { name: 'InvalidArgumentError' })
    const existing = this.contacts.get(peerId)
    const c: Contact = { peerId, nickname: nickname ?? (existing?.nickname || inviteName || peerId.slice(-8)), state: 'contact', addedAt: existing?.addedAt ?? Date.now(), safetyNumber: existing?.safetyNumber ?? '12345 '.repeat(12).trim() }
    this.contacts.set(peerId, c)
    return this.info(c)
  }

  async renameContact (ref: string, nickname: string): Promise<ContactInfo> {
    this.record('renameContact', ref, nickname)
    const c = this.resolve(ref)
    c.nickname = nickname
    return this.info(c)
  }

  async resetSession (ref: string): Promise<ContactInfo & { hadSession: boolean }> {
    this.record('resetSession', ref)
    return { ...this.info(this.resolve(ref)), hadSession: true }
  }

  /** disappearing-messages timers by peer id */
  readonly timers = new Map<string, number>()

  async setTimer (ref: string, seconds: number): Promise<{ peerId: string, timer: number }> {
    this.record('setTimer', ref, seconds)
    const c = this.resolve(ref)
    this.timers.set(c.peerId, seconds)
    return { peerId: c.peerId, timer: seconds }
  }

  async removeContact (ref: string): Promise<ContactInfo> {
    this.record('removeContact', ref)
    const c = this.resolve(ref)
    this.contacts.delete(c.peerId)
    return this.info(c)
  }

  async blockContact (ref: string): Promise<ContactInfo> {
    this.record('blockContact', ref)
    const c = this.resolve(ref)
    c.state = 'blocked'
    return this.info(c)
  }

  async listContacts (): Promise<ContactSummary[]> {
    // read now, answered after `latency`: what a slow store does
    const list = [...this.contacts.values()].filter(c => c.state !== 'request')
      .map(c => ({ ...this.info(c), unread: this.messagesOf(c.peerId).filter(m => m.direction === 'in' && m.status === 'received').length, timer: this.timers.get(c.peerId) ?? 0 }))
    await new Promise(resolve => setTimeout(resolve, this.latency))
    return list
  }

  async listRequests (): Promise<MessageRequest[]> {
    return [...this.contacts.values()].filter(c => c.state === 'request').map(c => {
      const list = this.messagesOf(c.peerId)
      return { ...this.info(c), messages: list.length, last: list.at(-1), dropped: 0 }
    })
  }

  async requestDrops (): Promise<RequestDrops> {
    return { requests: 0, messages: 0 }
  }

  async acceptRequest (ref: string): Promise<ContactInfo> {
    this.record('acceptRequest', ref)
    const c = this.resolve(ref)
    c.state = 'contact'
    return this.info(c)
  }

  async sendMessage (ref: string, text: string, options: { replyTo?: string } = {}): Promise<SendResult> {
    this.record('sendMessage', ref, text, options)
    const c = this.resolve(ref)
    if (c.state === 'blocked') throw Object.assign(new Error(`${c.peerId} is blocked`), { name: 'BlockedContactError' })
    if (text.trim() === '') throw Object.assign(new Error('the message is empty'), { name: 'InvalidArgumentError' })
    const list = this.messagesOf(c.peerId)
    const record: MessageRecord = {
      id: this.nextId(), conversation: c.peerId, direction: 'out', body: text, replyTo: options.replyTo,
      lamport: (list.at(-1)?.lamport ?? 0) + 1, sentAt: Date.now(), storedAt: Date.now(), status: 'queued'
    }
    this.outbox.add(record.id)
    this.store(record)
    return { id: record.id, status: record.status }
  }

  async listMessages (ref: string, options: { limit?: number, before?: string } = {}): Promise<MessageRecord[]> {
    this.record('listMessages', ref, options)
    await new Promise(resolve => setTimeout(resolve, this.latency))
    return pageOf(this.messagesOf(this.resolve(ref).peerId), options)
  }

  async markRead (ref: string): Promise<string[]> {
    this.record('markRead', ref)
    const list = this.messagesOf(this.resolve(ref).peerId)
    const ids: string[] = []
    for (let i = 0; i < list.length; i++) {
      if (list[i].direction === 'in' && list[i].status === 'received') {
        list[i] = { ...list[i], status: 'read', readAt: Date.now() }
        ids.push(list[i].id)
      }
    }
    return ids
  }

  async outboxSize (): Promise<number> {
    if (this.stopped) throw new Error('stopped')
    return this.outbox.size
  }

  async doctor (): Promise<DoctorReport> {
    this.record('doctor')
    const s = await this.status()
    return {
      reachability: s.reachability,
      nat: 'private (behind NAT or on a LAN)',
      publicAddresses: [],
      relays: [],
      connections: s.connections,
      dhtRoutingTableSize: s.dht.routingTableSize,
      bootstrap: { configured: 0, connected: 0 },
      mdns: true,
      censored: this.settingsValue.censored,
      stalledConnectionsClosed: 0,
      outbox: this.outbox.size,
      verdict: s.connections === 0 ? 'offline: no peer is connected' : 'connected, but others cannot dial you (no public address, no relay slot)',
      advice: s.connections === 0 ? [] : ['connect to a relay so contacts can reach you']
    }
  }

  async settings (): Promise<Settings> {
    return { ...this.settingsValue }
  }

  async updateSettings (change: Partial<Settings>): Promise<Settings> {
    this.record('updateSettings', change)
    this.settingsValue = { ...this.settingsValue, ...change }
    return { ...this.settingsValue }
  }

  relays: RelayInfo[] = []

  async addRelay (line: string): Promise<RelayInfo> {
    this.record('addRelay', line)
    const relay = { line, address: line, peerId: line, tls: true, connected: false }
    this.relays.push(relay)
    return relay
  }

  async listRelays (): Promise<RelayInfo[]> { return [...this.relays] }

  async removeRelay (which: string): Promise<RelayInfo[]> {
    const gone = this.relays.filter(r => r.line === which || r.peerId === which)
    this.relays = this.relays.filter(r => !gone.includes(r))
    return gone
  }

  async stop (): Promise<void> {
    this.record('stop')
    this.stopped = true
  }

  createGroup: Messenger['createGroup'] = async name => this.groups.createGroup(name)
  groupInvite: Messenger['groupInvite'] = async group => this.groups.groupInvite(group)
  joinGroup: Messenger['joinGroup'] = async invite => this.groups.joinGroup(invite)
  leaveGroup: Messenger['leaveGroup'] = async group => this.groups.leaveGroup(group)
  removeGroupMember: Messenger['removeGroupMember'] = async (group, peerId) => this.groups.removeGroupMember(group, peerId)
  listGroups: Messenger['listGroups'] = async () => this.groups.listGroups()
  groupMembers: Messenger['groupMembers'] = async group => this.groups.groupMembers(group)
  sendGroupMessage: Messenger['sendGroupMessage'] = async (group, text) => this.groups.sendGroupMessage(group, text)
  listGroupMessages: Messenger['listGroupMessages'] = async (group, options) => this.groups.listGroupMessages(group, options)
  markGroupRead: Messenger['markGroupRead'] = async group => { await this.groups.markGroupRead(group) }

  readonly files = new Map<string, FileInfo>()

  async sendFile (ref: string, path: string): Promise<FileSendResult> {
    this.record('sendFile', ref, path)
    const c = this.resolve(ref)
    const name = path.split('/').pop() ?? 'file'
    const sent = await this.sendMessage(c.peerId, `[file] ${name}`)
    const file: FileInfo = { id: sent.id.padEnd(64, '0'), messageId: sent.id, conversation: c.peerId, direction: 'out', name, size: 1024, state: 'shared', received: 1024, refusedChunks: 0, createdAt: Date.now() }
    this.files.set(file.id, file)
    return { ...sent, file }
  }

  /** The network's part: `from` offers a file, shown in the conversation as a real offer would be. */
  offerFile (from: string, name: string, size: number): FileInfo {
    const list = this.messagesOf(from)
    const id = this.nextId().padEnd(64, 'a')
    const record: MessageRecord = {
      id: this.nextId(), conversation: from, direction: 'in', body: `[file] ${name}`, file: { id, name, size },
      lamport: (list.at(-1)?.lamport ?? 0) + 1, sentAt: Date.now(), storedAt: Date.now(), status: 'received'
    }
    const file: FileInfo = { id, messageId: record.id, conversation: from, direction: 'in', name, size, state: 'offered', received: 0, refusedChunks: 0, createdAt: Date.now() }
    this.files.set(id, file)
    this.store(record)
    return file
  }

  async listFiles (options: { contact?: string } = {}): Promise<FileInfo[]> {
    const peer = options.contact != null ? this.resolve(options.contact).peerId : undefined
    return [...this.files.values()].filter(f => peer == null || f.conversation === peer)
  }

  private fileOf (ref: string): FileInfo {
    const file = [...this.files.values()].find(f => f.id.startsWith(ref) || f.messageId === ref)
    if (file == null) throw Object.assign(new Error(`no file ${ref}`), { name: 'FileNotFoundError' })
    return file
  }

  async acceptFile (ref: string): Promise<FileInfo> {
    this.record('acceptFile', ref)
    const file = { ...this.fileOf(ref), state: 'downloading' as const }
    this.files.set(file.id, file)
    return file
  }

  async declineFile (ref: string): Promise<FileInfo> {
    this.record('declineFile', ref)
    const file = { ...this.fileOf(ref), state: 'declined' as const }
    this.files.set(file.id, file)
    return file
  }

  async saveFile (ref: string, path: string): Promise<FileInfo> {
    this.record('saveFile', ref, path)
    return { ...this.fileOf(ref), savedTo: path }
  }

  async setFileLimits (ref: string, change: Partial<FileLimits>): Promise<FileLimits & { peerId: string }> {
    return { peerId: this.resolve(ref).peerId, autoAccept: 0, maxSize: 4 * 1024 ** 3, ...change }
  }
  createChannel: Messenger['createChannel'] = async name => this.groups.createChannel(name)
  channelInvite: Messenger['channelInvite'] = async channel => this.groups.channelInvite(channel)
  followChannel: Messenger['followChannel'] = async invite => this.groups.followChannel(invite)
  unfollowChannel: Messenger['unfollowChannel'] = async channel => this.groups.unfollowChannel(channel)
  postChannel: Messenger['postChannel'] = async (channel, text) => this.groups.postChannel(channel, text)
  revokeChannelEditor: Messenger['revokeChannelEditor'] = async (channel, editor) => this.groups.revokeChannelEditor(channel, editor)
  listChannelMessages: Messenger['listChannelMessages'] = async (channel, options) => this.groups.listChannelMessages(channel, options)
}
