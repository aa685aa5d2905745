import { peerIdFromString } from '@libp2p/peer-id'
import { isPrivateIp } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { parseMultiaddr } from './config.ts'
import { createInvite, INVITE_PREFIX, parseInvite } from './invite.ts'
import { PeerWarmup } from './net/peer-warmup.ts'
import { ContactBook } from './direct/contact-book.ts'
import { Conversations } from './direct/conversations.ts'
import { InvalidArgumentError } from './errors.ts'
import { createInbox } from './direct/inbox.ts'
import { ControlRouter, type ControlHandler } from './direct/control-messages.ts'
import { GroupChats, GROUP_CONTROL_APP } from './groups/index.ts'
import { MailboxClient } from './direct/mailbox-client.ts'
import { KeyedMutex } from './keyed-mutex.ts'
import { Outbox } from './direct/outbox.ts'
import { ContactsStore } from './store/contacts-store.ts'
import { MessagesStore, type MessageRecord } from './store/messages-store.ts'
import { QueueStore } from './store/durable-queue.ts'
import type { LevelMailboxStore } from './store/mailbox-store.ts'
import type { DirectMessages } from '../protocols/dm/index.ts'
import { diagnose } from './net/doctor.ts'
import type { DoctorReport } from './messenger.ts'
import type { ContactInfo, ContactSummary, GroupInfo, GroupMemberInfo, GroupMessageRecord, GroupSendResult, IdentityInfo, Messenger, MessengerEvents, MessageRequest, NodeStatus, Reachability, ReceiptEvent, SendResult, Settings } from './messenger.ts'
import type { Database } from './store/database.ts'
import type { MetaStore } from './store/meta-store.ts'
import type { AbortOptions, Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'

export interface HyphaeMessengerComponents {
  libp2p: Libp2p<any>
  key: PrivateKey
  db: Database
  meta: MetaStore
  datastore: Datastore & { close(): Promise<void> }
  /** what it was started with, for doctor */
  bootstrap?: string[]
  mdns?: boolean
  /** set when this node keeps mailboxes for others (a relay) */
  mailboxStore?: LevelMailboxStore
}

export interface RelayStats {
  reservations: number
  connections: number
  mailbox: { messages: number, bytes: number }
}

const DEFAULT_TIMEOUT = 30_000

export class HyphaeMessenger extends TypedEventEmitter<MessengerEvents> implements Messenger {
  readonly libp2p: Libp2p<any>
  readonly peerId: string
  private readonly components: HyphaeMessengerComponents
  readonly contacts: ContactBook
  readonly messages: MessagesStore
  readonly outbox: QueueStore
  private readonly contactsStore: ContactsStore
  private readonly delivery: Outbox
  private readonly conversations: Conversations
  private readonly warmup: PeerWarmup
  private readonly control = new ControlRouter()
  private readonly mailbox: MailboxClient
  readonly groups: GroupChats
  private stopped = false

  /** Builds every store and wires the DM handlers; call before libp2p starts. */
  constructor (components: HyphaeMessengerComponents) {
    super()
    this.components = components
    this.libp2p = components.libp2p
    this.peerId = this.libp2p.peerId.toString()
    this.warmup = new PeerWarmup(this.libp2p, components.meta)
    const log = this.libp2p.logger.forComponent('hyphae:messenger')
    const dm: DirectMessages = this.libp2p.services.dm
    const mutex = new KeyedMutex()
    this.contactsStore = new ContactsStore(components.db)
    this.messages = new MessagesStore(components.db)
    this.outbox = new QueueStore(components.db, 'outbox')
    this.contacts = new ContactBook(this.contactsStore, this.libp2p)
    const onStored = (record: MessageRecord): void => { this.safeDispatchEvent('message', { detail: record }) }
    const onStatus = (event: ReceiptEvent): void => { this.safeDispatchEvent('receipt', { detail: event }) }
    const { receive, receiveMany } = createInbox({
      contacts: this.contactsStore, messages: this.messages, mutex, onStored,
      onControl: async (from, payload) => { await this.control.dispatch(from, payload) }
    })
    this.mailbox = new MailboxClient({ libp2p: this.libp2p, mailbox: this.libp2p.services.mailbox, key: components.key, contacts: this.contactsStore, log, receive })
    this.delivery = new Outbox({
      libp2p: this.libp2p, dm, store: this.outbox, messages: this.messages, contacts: this.contactsStore, log, onStatus,
      deposit: async (peer, entries, signal) => this.mailbox.deposit(peer, entries, signal)
    })
    this.conversations = new Conversations({
      key: components.key, dm, messages: this.messages, outbox: this.outbox, delivery: this.delivery, mutex, log, onStored, onStatus,
      readReceipts: async () => (await this.settings()).readReceipts
    })
    dm.onMessage = receive
    dm.onMessages = receiveMany
    dm.onReceipt = async (from, ids) => { await this.conversations.onReceipt(from, ids) }
    this.groups = new GroupChats({
      libp2p: this.libp2p, key: components.key, db: components.db,
      nickname: async () => await components.meta.nickname() ?? '',
      addresses: () => this.dialableAddresses(),
      sendControl: async (peer, app, data) => this.sendControl(peer, app, data),
      onMessage: record => { this.safeDispatchEvent('group:message', { detail: record }) },
      onSent: (group, id) => { this.safeDispatchEvent('group:receipt', { detail: { id, group, status: 'sent' } }) }
    })
    this.handleControl(GROUP_CONTROL_APP, async (from, data) => { await this.groups.onControl(from, data) })
  }

  async start (options: { reconnect: boolean }): Promise<void> {
    this.libp2p.services.relay?.addEventListener('relay:reservation', this.onReservation)
    this.libp2p.addEventListener('peer:connect', this.onPeerConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.warmup.start({ reconnect: options.reconnect })
    // with no bootstrap list, the relays in contacts' invites are where this node finds a slot
    if ((this.components.bootstrap ?? []).length === 0) {
      void this.contactsStore.list('contact').then(async list => this.warmup.meetRelays(list.flatMap(c => c.addrs))).catch(() => {})
    }
    this.mailbox.start()
    await this.delivery.start()
    await this.groups.start()
  }

  private readonly onReservation = (evt: CustomEvent<{ addr: Multiaddr }>): void => {
    this.safeDispatchEvent('relay:reservation', { detail: evt.detail.addr.toString() })
  }

  /** What a relay holds for others; undefined on a node that is not a relay. */
  async relayStats (): Promise<RelayStats | undefined> {
    if (this.components.mailboxStore == null) return undefined
    return {
      reservations: this.libp2p.services.relay?.reservations?.size ?? 0,
      connections: this.libp2p.getConnections().length,
      mailbox: await this.components.mailboxStore.totals()
    }
  }

  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    this.safeDispatchEvent('peer:connect', { detail: evt.detail.toString() })
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.safeDispatchEvent('peer:disconnect', { detail: evt.detail.toString() })
  }

  /** Addresses worth handing to another user: not loopback unless that is all there is. */
  dialableAddresses (): Multiaddr[] {
    const all = this.libp2p.getMultiaddrs()
    const notLoopback = all.filter(ma => {
      const host = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
      return host == null || !(host.startsWith('127.') || host === '::1')
    })
    return notLoopback.length > 0 ? notLoopback : all
  }

  async id (): Promise<IdentityInfo> {
    const nickname = await this.components.meta.nickname() ?? ''
    const addrs = this.dialableAddresses()
    return {
      peerId: this.peerId,
      nickname,
      addresses: addrs.map(a => a.toString()),
      invite: await createInvite(this.components.key, nickname, addrs)
    }
  }

  async status (): Promise<NodeStatus> {
    const connections = this.libp2p.getConnections()
    const dht = this.libp2p.services.dht
    return {
      peerId: this.peerId,
      nickname: await this.components.meta.nickname() ?? '',
      connections: connections.length,
      peers: connections.map(c => ({ peerId: c.remotePeer.toString(), address: c.remoteAddr.toString(), direction: c.direction })),
      listenAddresses: this.libp2p.getMultiaddrs().map(a => a.toString()),
      reachability: this.reachability(),
      dht: { mode: dht.getMode(), routingTableSize: dht.routingTable?.size ?? 0 },
      knownPeers: (await this.libp2p.peerStore.all()).length
    }
  }

  reachability (): Reachability {
    const conns = this.libp2p.getConnections()
    if (conns.length === 0) return 'offline'
    const addrs = this.libp2p.getMultiaddrs()
    const isPublic = addrs.some(ma => {
      if (ma.getComponents().some(c => c.name === 'p2p-circuit')) return false
      const host = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
      return host != null && isPrivateIp(host) === false
    })
    if (isPublic) return 'direct'
    if (addrs.some(ma => ma.getComponents().some(c => c.name === 'p2p-circuit'))) return 'via-relay'
    return 'lan-only'
  }

  async setNickname (nickname: string): Promise<void> {
    await this.components.meta.setNickname(nickname)
  }

  async findPeer (peerId: string, options: AbortOptions = {}): Promise<string[]> {
    const id = peerIdFromString(peerId)
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT)
    const info = await this.libp2p.peerRouting.findPeer(id, { signal, useCache: false })
    return info.multiaddrs.map(a => a.toString())
  }

  async connect (target: string, options: AbortOptions = {}): Promise<void> {
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT)
    if (target.startsWith(INVITE_PREFIX)) {
      const invite = await parseInvite(target)
      await this.libp2p.peerStore.merge(invite.peerId, { multiaddrs: invite.addrs })
      await this.libp2p.dial(invite.peerId, { signal })
      return
    }
    if (target.startsWith('/')) {
      await this.libp2p.dial(parseMultiaddr(target), { signal })
      return
    }
    const id = peerIdFromString(target)
    if ((await this.libp2p.peerStore.has(id)) && (await this.libp2p.peerStore.get(id)).addresses.length > 0) {
      try {
        await this.libp2p.dial(id, { signal })
        return
      } catch {}
    }
    const info = await this.libp2p.peerRouting.findPeer(id, { signal, useCache: false })
    await this.libp2p.dial(info.multiaddrs.length > 0 ? info.multiaddrs : id, { signal })
  }

  async addContact (target: string, nickname?: string): Promise<ContactInfo> {
    const record = await this.contacts.add(target, nickname)
    // anything queued for them before (e.g. while they were blocked) can go now
    this.delivery.kick(record.peerId)
    // their relays can be ours too (a node with no bootstrap list has no other way to meet one)
    void this.warmup.meetRelays(record.addrs).catch(() => {})
    return this.contacts.info(record)
  }

  async renameContact (ref: string, nickname: string): Promise<ContactInfo> {
    return this.contacts.info(await this.contacts.rename(ref, nickname))
  }

  async removeContact (ref: string): Promise<ContactInfo> {
    return this.contacts.info(await this.contacts.remove(ref))
  }

  async blockContact (ref: string): Promise<ContactInfo> {
    return this.contacts.info(await this.contacts.block(ref))
  }

  async listContacts (): Promise<ContactSummary[]> {
    const records = await this.contactsStore.list()
    return Promise.all(records.filter(r => r.state !== 'request').map(async r => ({ ...this.contacts.info(r), unread: await this.messages.unreadCount(r.peerId) })))
  }

  async listRequests (): Promise<MessageRequest[]> {
    const requests = await this.contactsStore.list('request')
    return Promise.all(requests.map(async r => {
      const page = await this.messages.list(r.peerId, { limit: 1000 })
      return { ...this.contacts.info(r), messages: page.length, last: page.at(-1) }
    }))
  }

  async acceptRequest (ref: string): Promise<ContactInfo> {
    return this.contacts.info(await this.contacts.accept(ref))
  }

  async sendMessage (ref: string, text: string, options: { replyTo?: string } = {}): Promise<SendResult> {
    const contact = await this.contacts.resolve(ref)
    return this.conversations.send(contact, text, options)
  }

  async listMessages (ref: string, options: { limit?: number, before?: string } = {}): Promise<MessageRecord[]> {
    const contact = await this.contacts.resolve(ref)
    return this.messages.list(contact.peerId, options)
  }

  async markRead (ref: string): Promise<string[]> {
    const contact = await this.contacts.resolve(ref)
    return this.conversations.markRead(contact.peerId)
  }

  /** Registers the handler of an application's control messages (see sendControl). */
  handleControl (app: string, handler: ControlHandler): void {
    this.control.register(app, handler)
  }

  /**
   * Sends an application's message to any peer through the durable, acked, end-to-end
   * encrypted DM path; the peer's handler for `app` receives it. Returns the envelope id.
   */
  async sendControl (peerId: string, app: string, data: Uint8Array): Promise<string> {
    const key = peerIdFromString(peerId).publicKey
    if (key == null) throw new InvalidArgumentError(`no public key in peer id ${peerId}`)
    return this.conversations.sendControl(peerId, key, this.control.encode(app, data))
  }

  async doctor (): Promise<DoctorReport> {
    return diagnose(this.libp2p, await this.status(), { bootstrap: this.components.bootstrap ?? [], mdns: this.components.mdns ?? true }, await this.outboxSize())
  }

  async createGroup (name: string): Promise<GroupInfo> { return this.groups.create(name) }
  async groupInvite (group: string): Promise<string> { return this.groups.invite(group) }
  async joinGroup (invite: string): Promise<GroupInfo> { return this.groups.join(invite) }
  async leaveGroup (group: string): Promise<GroupInfo> { return this.groups.leave(group) }
  async removeGroupMember (group: string, peerId: string): Promise<GroupInfo> { return this.groups.remove(group, peerId) }
  async listGroups (): Promise<GroupInfo[]> { return this.groups.list() }
  async groupMembers (group: string): Promise<GroupMemberInfo[]> { return this.groups.members(group) }
  async sendGroupMessage (group: string, text: string): Promise<GroupSendResult> { return this.groups.send(group, text) }
  async listGroupMessages (group: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> { return this.groups.messages(group, options) }
  async markGroupRead (group: string): Promise<void> { await this.groups.markRead(group) }

  async outboxSize (): Promise<number> {
    return this.outbox.size()
  }

  async settings (): Promise<Settings> {
    return { readReceipts: false, ...(await this.components.meta.getJSON<Partial<Settings>>('settings')) }
  }

  async updateSettings (change: Partial<Settings>): Promise<Settings> {
    if (change.readReceipts != null && typeof change.readReceipts !== 'boolean') throw new InvalidArgumentError('readReceipts is true or false')
    const next = { ...(await this.settings()), ...(change.readReceipts != null ? { readReceipts: change.readReceipts } : {}) }
    await this.components.meta.putJSON('settings', next)
    return next
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.delivery.stop()
    this.mailbox.stop()
    this.warmup.stop()
    await this.groups.stop()
    this.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.libp2p.services.relay?.removeEventListener('relay:reservation', this.onReservation)
    await this.libp2p.stop()
    await this.delivery.drained()
    await this.groups.drained()
    await this.components.datastore.close()
    await this.components.db.close()
  }
}
