import { TypedEventEmitter } from 'main-event'
import { createInvite } from './invite.ts'
import { relaysOf } from './net/relay-addresses.ts'
import { shortFlowStats } from './net/website/session-client.ts'
import { DirectChats } from './direct/index.ts'
import { Files } from './files/files.ts'
import { offerSummary } from './files/offers.ts'
import { InvalidArgumentError } from './errors.ts'
import { GroupChats, GROUP_CONTROL_APP } from './groups/index.ts'
import { diagnose } from './net/doctor.ts'
import { NodeNetwork, type RelayStats } from './net/node-network.ts'
import { readSettings, updateSettings } from './settings.ts'
import type { ControlHandler } from './direct/index.ts'
import type { FileInfo, FileLimits, FileSendResult } from './messenger.ts'
import type { ContactInfo, ContactSummary, DoctorReport, GroupInfo, GroupMemberInfo, GroupMessageRecord, GroupSendResult, IdentityInfo, Messenger, MessengerEvents, MessageRequest, NodeStatus, RequestDrops, Reachability, RelayInfo, SendResult, Settings } from './messenger.ts'
import type { HyphaeServices } from './net/services.ts'
import type { Database } from './store/database.ts'
import type { LevelMailboxStore } from './store/mailbox-store.ts'
import type { MessageRecord } from './store/messages-store.ts'
import type { MetaStore } from './store/meta-store.ts'
import type { PeerProtection } from './net/peer-protection.ts'
import type { AbortOptions, Libp2p, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'

export interface HyphaeMessengerComponents {
  libp2p: Libp2p<HyphaeServices>
  key: PrivateKey
  db: Database
  meta: MetaStore
  datastore: Datastore & { close(): Promise<void> }
  /** what it was started with, for doctor */
  bootstrap?: string[]
  mdns?: boolean
  /** set when this node keeps mailboxes for others (a relay) */
  mailboxStore?: LevelMailboxStore
  /** dials only TLS-first addresses */
  censored?: boolean
  /** whether a passphrase protects the profile's keys */
  passphrase?: boolean
  /** keeps contacts, group neighbours and relays through a connection flood */
  protection?: PeerProtection
  /** the profile's directory: files sent and received are kept under it */
  dataDir: string
}

export type { RelayStats }

/** how long stop() may spend leaving queued messages in their recipients' mailboxes */
const STOP_DEPOSIT_TIMEOUT = 5_000

/**
 * The composition root: builds the network helpers, DirectChats and GroupChats over one libp2p
 * node and one database, and answers the Messenger interface by forwarding to them.
 */
export class HyphaeMessenger extends TypedEventEmitter<MessengerEvents> implements Messenger {
  readonly libp2p: Libp2p<HyphaeServices>
  readonly peerId: string
  readonly direct: DirectChats
  readonly groups: GroupChats
  readonly files: Files
  private readonly components: HyphaeMessengerComponents
  /** warm-up, protection, relays and reservations (node-network.ts) */
  private readonly network: NodeNetwork
  private stopped = false

  /** Builds every store and wires the DM handlers; call before libp2p starts. */
  constructor (components: HyphaeMessengerComponents) {
    super()
    this.components = components
    this.libp2p = components.libp2p
    this.peerId = this.libp2p.peerId.toString()
    this.network = new NodeNetwork({
      libp2p: this.libp2p, meta: components.meta, protection: components.protection, mailboxStore: components.mailboxStore,
      dispatch: (event, peer) => { this.safeDispatchEvent(event, { detail: peer }) }
    })
    this.files = new Files({
      transfer: this.libp2p.services.file,
      db: components.db,
      dataDir: components.dataDir,
      log: this.libp2p.logger.forComponent('hyphae:files'),
      sendOffer: async (ref, body, offer) => this.direct.sendFile(ref, body, offer, offerSummary(offer)),
      sendGroupOffer: async (ref, body, offer) => {
        const sent = await this.groups.files.send(ref, body, offer, offerSummary(offer))
        return { id: sent.id, conversation: sent.group }
      },
      groupMember: async (group, peer) => this.groups.files.isMember(group, peer),
      groupPeers: async group => this.groups.files.onlineMembers(group),
      self: this.peerId,
      contactState: async peer => this.direct.contactState(peer),
      onProgress: progress => { this.safeDispatchEvent('file:progress', { detail: progress }) }
    })
    this.direct = new DirectChats({
      libp2p: this.libp2p, key: components.key, db: components.db,
      fileOffer: (from, id, offer) => this.files.offerOps(from, id, offer),
      fileExpiry: async ids => this.files.expiry(ids),
      readReceipts: async () => (await this.settings()).readReceipts,
      // their relays can be ours too (a node with no bootstrap list has no other way to meet one)
      onContactAdded: addrs => { void this.network.warmup.meetRelays(addrs).catch(() => {}) }
    })
    this.direct.addEventListener('message', evt => {
      const record = evt.detail
      if (record.file != null && record.direction === 'in') void this.files.offered(record.file.id).catch(() => {})
      this.safeDispatchEvent('message', { detail: record })
    })
    this.direct.addEventListener('receipt', evt => { this.safeDispatchEvent('receipt', { detail: evt.detail }) })
    this.direct.addEventListener('request:dropped', evt => { this.safeDispatchEvent('request:dropped', { detail: evt.detail }) })
    this.groups = new GroupChats({
      libp2p: this.libp2p, key: components.key, db: components.db,
      nickname: async () => await components.meta.nickname() ?? '',
      addresses: () => this.dialableAddresses(),
      sendControl: async (peer, app, data) => this.sendControl(peer, app, data),
      fileOffer: (from, id, offer, group) => this.files.offerOps(from, id, offer, group),
      onMessage: record => {
        if (record.file != null && record.direction === 'in') void this.files.offered(record.file.id).catch(() => {})
        if (record.kind === 'join' && record.direction === 'in') void this.network.protection.protect('group', [record.author])
        this.safeDispatchEvent('group:message', { detail: record })
      },
      onSent: (group, id) => { this.safeDispatchEvent('group:receipt', { detail: { id, group, status: 'sent' } }) }
    })
    this.handleControl(GROUP_CONTROL_APP, async (from, data) => { await this.groups.onControl(from, data) })
  }

  async start (options: { reconnect: boolean }): Promise<void> {
    this.network.start(options)
    // with no bootstrap list, the relays in contacts' invites are where this node finds a slot
    if ((this.components.bootstrap ?? []).length === 0) {
      void this.direct.contactAddresses().then(async addrs => this.network.warmup.meetRelays(addrs)).catch(() => {})
    }
    await this.direct.start()
    await this.groups.start()
    await this.files.start()
    void this.protectKnownPeers()
  }

  /** Tags every contact and group member, so the connection manager prunes them last. */
  private async protectKnownPeers (): Promise<void> {
    try {
      await this.network.protection.protect('contact', (await this.direct.listContacts()).filter(c => c.state === 'contact').map(c => c.peerId))
      for (const group of await this.listGroups()) {
        await this.network.protection.protect('group', (await this.groupMembers(group.id)).filter(m => !m.me && m.state === 'member').map(m => m.peerId))
      }
    } catch {}
  }

  /** What a relay holds for others; undefined on a node that is not a relay. */
  async relayStats (): Promise<RelayStats | undefined> { return this.network.relayStats() }

  /** Addresses worth handing to another user: not loopback unless that is all there is. */
  dialableAddresses (): Multiaddr[] { return this.network.dialableAddresses() }
  reachability (): Reachability { return this.network.reachability() }

  async id (): Promise<IdentityInfo> {
    const nickname = await this.components.meta.nickname() ?? ''
    const addrs = await this.network.inviteAddresses()
    return {
      peerId: this.peerId,
      nickname,
      addresses: addrs.map(a => a.toString()),
      invite: await createInvite(this.components.key, nickname, addrs, await this.direct.prekeys(), await this.direct.ourQueues(relaysOf(addrs)))
    }
  }

  async status (): Promise<NodeStatus> {
    const connections = this.libp2p.getConnections()
    const dht = this.libp2p.services.dht
    return {
      peerId: this.peerId,
      nickname: await this.components.meta.nickname() ?? '',
      connections: connections.length,
      peers: connections.map(c => ({ peerId: c.remotePeer.toString(), address: c.remoteAddr.toString(), direction: c.direction, ...(c.rtt != null ? { rtt: Math.round(c.rtt) } : {}) })),
      listenAddresses: this.libp2p.getMultiaddrs().map(a => a.toString()),
      reachability: this.reachability(),
      dht: { mode: dht.getMode(), routingTableSize: dht.routingTable?.size ?? 0 },
      rendezvous: { published: this.direct.rendezvous.published },
      knownPeers: (await this.libp2p.peerStore.all()).length,
      stalledConnectionsClosed: this.direct.stalledConnectionsClosed,
      stallDetectionsMs: this.direct.stallDetectionsMs,
      shortFlows: shortFlowStats,
      ...(this.components.passphrase != null ? { passphrase: this.components.passphrase } : {})
    }
  }

  async setNickname (nickname: string): Promise<void> {
    await this.components.meta.setNickname(nickname)
  }

  async findPeer (peerId: string, options: AbortOptions = {}): Promise<string[]> { return this.network.findPeer(peerId, options.signal) }
  async connect (target: string, options: AbortOptions = {}): Promise<void> { await this.network.connect(target, options.signal) }

  async doctor (): Promise<DoctorReport> {
    return diagnose(this.libp2p, await this.status(), { bootstrap: this.components.bootstrap ?? [], mdns: this.components.mdns ?? true, censored: this.components.censored }, await this.outboxSize())
  }

  async addContact (target: string, nickname?: string): Promise<ContactInfo> { return this.protected(await this.direct.addContact(target, nickname)) }
  async renameContact (ref: string, nickname: string): Promise<ContactInfo> { return this.direct.renameContact(ref, nickname) }
  async resetSession (ref: string): Promise<ContactInfo & { hadSession: boolean }> { return this.direct.resetSession(ref) }
  async setTimer (ref: string, seconds: number): Promise<{ peerId: string, timer: number }> { return this.direct.setTimer(ref, seconds) }
  async removeContact (ref: string): Promise<ContactInfo> { return this.direct.removeContact(ref) }
  async blockContact (ref: string): Promise<ContactInfo> { return this.direct.blockContact(ref) }
  async listContacts (): Promise<ContactSummary[]> { return this.direct.listContacts() }
  async listRequests (): Promise<MessageRequest[]> { return this.direct.listRequests() }
  async acceptRequest (ref: string): Promise<ContactInfo> { return this.protected(await this.direct.acceptRequest(ref)) }

  private async protected (contact: ContactInfo): Promise<ContactInfo> {
    await this.network.protection.protect('contact', [contact.peerId])
    return contact
  }
  async requestDrops (): Promise<RequestDrops> { return this.direct.requestDrops() }
  async sendMessage (ref: string, text: string, options: { replyTo?: string } = {}): Promise<SendResult> { return this.direct.send(ref, text, options) }
  async sendFile (ref: string, path: string, options: { group?: boolean } = {}): Promise<FileSendResult> {
    const file = await this.files.send(ref, path, { group: options.group === true })
    return { id: file.messageId, status: 'queued', file }
  }

  async listFiles (options: { contact?: string } = {}): Promise<FileInfo[]> {
    // a contact, or else a group (its files' conversation is the group's id)
    const conversation = options.contact != null
      ? await this.direct.resolve(options.contact).then(c => c.peerId, async err => this.groups.groupId(options.contact as string).catch(() => { throw err }))
      : undefined
    return this.files.list({ conversation })
  }

  async acceptFile (file: string, options: { dir?: string } = {}): Promise<FileInfo> { return this.files.accept(file, options) }
  async declineFile (file: string): Promise<FileInfo> { return this.files.decline(file) }
  async saveFile (file: string, path: string): Promise<FileInfo> { return this.files.save(file, path) }

  async setFileLimits (ref: string, change: Partial<FileLimits>): Promise<FileLimits & { peerId: string }> {
    const { peerId } = await this.direct.resolve(ref)
    return { peerId, ...(await this.files.setLimits(peerId, change)) }
  }

  async listMessages (ref: string, options: { limit?: number, before?: string } = {}): Promise<MessageRecord[]> { return this.direct.list(ref, options) }
  async markRead (ref: string): Promise<string[]> { return this.direct.markRead(ref) }
  async outboxSize (): Promise<number> { return this.direct.outboxSize() }

  /** Registers the handler of an application's control messages (see sendControl). */
  handleControl (app: string, handler: ControlHandler): void { this.direct.handleControl(app, handler) }

  /** Sends an application's message to any peer through the durable DM path (DirectChats.sendControl). */
  async sendControl (peerId: string, app: string, data: Uint8Array): Promise<string> { return this.direct.sendControl(peerId, app, data) }

  async createGroup (name: string): Promise<GroupInfo> { return this.groups.create(name) }
  async groupInvite (group: string): Promise<string> { return this.groups.invite(group) }
  async joinGroup (invite: string): Promise<GroupInfo> { return this.groups.join(invite) }
  async leaveGroup (group: string): Promise<GroupInfo> { return this.groups.leave(group) }
  async removeGroupMember (group: string, member: string): Promise<GroupInfo> { return this.groups.remove(group, await this.groupMemberId(group, member)) }

  /** A member named as everywhere else: by peer id, by the nickname the group knows, or as a contact. */
  private async groupMemberId (group: string, ref: string): Promise<string> {
    const wanted = typeof ref === 'string' ? ref.trim() : ''
    const members = (await this.groups.members(group)).filter(m => !m.me && m.state === 'member')
    if (wanted === '' || members.some(m => m.peerId === wanted)) return wanted
    const named = members.filter(m => m.nickname === wanted)
    if (named.length > 1) throw new InvalidArgumentError(`${named.length} members are called ${JSON.stringify(wanted)}: name one by peer id (see group members)`)
    if (named.length === 1) return named[0].peerId
    const contact = await this.direct.contacts.resolve(wanted).catch(() => undefined)
    return contact?.peerId ?? wanted
  }
  async listGroups (): Promise<GroupInfo[]> { return this.groups.list() }
  async groupMembers (group: string): Promise<GroupMemberInfo[]> { return this.groups.members(group) }
  async sendGroupMessage (group: string, text: string): Promise<GroupSendResult> { return this.groups.send(group, text) }
  async listGroupMessages (group: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> { return this.groups.messages(group, options) }
  async markGroupRead (group: string): Promise<void> { await this.groups.markRead(group) }

  async createChannel (name: string): Promise<GroupInfo> { return this.groups.createChannel(name) }
  async channelInvite (channel: string, options: { editor?: string } = {}): Promise<string> { return this.groups.invite(await this.groups.channel(channel), options) }
  async followChannel (invite: string): Promise<GroupInfo> { return this.groups.followChannel(invite) }
  async unfollowChannel (channel: string): Promise<GroupInfo> { return this.groups.leave(await this.groups.channel(channel)) }
  async revokeChannelEditor (channel: string, editor: string): Promise<GroupSendResult> {
    const rec = await this.groups.channels.revoke(await this.groups.channel(channel), editor)
    return { id: rec.id, status: rec.status }
  }

  async postChannel (channel: string, text: string): Promise<GroupSendResult> { return this.groups.send(await this.groups.channel(channel), text) }
  async listChannelMessages (channel: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> { return this.groups.messages(await this.groups.channel(channel), options) }

  async settings (): Promise<Settings> { return readSettings(this.components.meta) }
  async updateSettings (change: Partial<Settings>): Promise<Settings> { return updateSettings(this.components.meta, change) }

  async addRelay (line: string): Promise<RelayInfo> { return this.network.addRelay(line) }
  async listRelays (): Promise<RelayInfo[]> { return this.network.listRelays() }
  async removeRelay (which: string): Promise<RelayInfo[]> { return this.network.removeRelay(which) }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    // a laptop closing right after a send: what waits for contacts out of reach goes to their
    // mailboxes first; what no relay takes in time stays in the outbox for the next start
    await this.direct.flushToMailboxes(AbortSignal.timeout(STOP_DEPOSIT_TIMEOUT)).catch(() => {})
    await this.files.stop()
    this.direct.stop()
    this.network.stopDialling()
    await this.groups.stop()
    // the relays last held are kept while the addresses still hold the reservations (libp2p's stop drops them)
    await this.network.stop()
    await this.libp2p.stop()
    await this.direct.drained()
    await this.groups.drained()
    await this.components.datastore.close()
    await this.components.db.close()
  }
}
