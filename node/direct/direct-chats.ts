import { peerIdFromString } from '@libp2p/peer-id'
import { TypedEventEmitter } from 'main-event'
import { InvalidArgumentError } from '../errors.ts'
import { KeyedMutex } from '../keyed-mutex.ts'
import { ContactsStore } from '../store/contacts-store.ts'
import { QueueStore } from '../store/durable-queue.ts'
import { MessagesStore, type BatchOp, type MessageRecord } from '../store/messages-store.ts'
import { ContactBook } from './contact-book.ts'
import { ControlRouter, type ControlHandler } from './control-messages.ts'
import { Conversations } from './conversations.ts'
import { DisappearingMessages, TIMER_APP, type DisappearingComponents } from './disappearing.ts'
import { createInbox } from './inbox.ts'
import { MailboxClient } from './mailbox-client.ts'
import { QUEUES_APP, QueueSharing } from './queue-sharing.ts'
import { Outbox } from './outbox.ts'
import { PrekeyRationing } from './prekey-rationing.ts'
import { RequestQuota, type RequestDrop, type RequestDrops, type RequestLimits } from './request-quota.ts'
import { Ratchet } from './ratchet.ts'
import { RendezvousRecords } from './rendezvous-records.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import type { MailboxQueues } from '../pb/invite.ts'
import type { RelayRef } from '../net/relay-addresses.ts'
import type { ContactInfo, ContactSummary, MessageRequest, ReceiptEvent, SendResult } from '../messenger.ts'
import type { HyphaeServices } from '../net/services.ts'
import type { Database } from '../store/database.ts'
import type { Libp2p, Logger, PrivateKey } from '@libp2p/interface'

/** how long a first message waits for the peer's prekeys when its invite had none */
const PREKEYS_TIMEOUT = 10_000
const ROTATION_CHECK_MS = 24 * 3600 * 1000

export interface DirectChatsEvents {
  /** a message was stored: one of ours queued, or one received */
  message: CustomEvent<MessageRecord>
  /** one of ours moved on: sent to a mailbox, delivered, read, failed */
  receipt: CustomEvent<ReceiptEvent>
  /** the request quota dropped a request's older messages, or a whole request */
  'request:dropped': CustomEvent<RequestDrop>
}

export interface DirectChatsComponents {
  libp2p: Libp2p<HyphaeServices>
  key: PrivateKey
  db: Database
  /** whether the user tells senders what they read (a setting of the profile) */
  readReceipts: () => Promise<boolean>
  /** a contact was added: its relays may be worth a slot (see PeerWarmup.meetRelays) */
  onContactAdded?: (addrs: string[]) => void
  /** what strangers may keep here (default REQUEST_LIMITS) */
  requestLimits?: Partial<RequestLimits>
  /** a contact's file offer: what its message shows and the ops that keep it (see Files.offerOps) */
  fileOffer?: (from: string, messageId: string, offer: Uint8Array) => { file: NonNullable<MessageRecord['file']>, ops: BatchOp[] } | undefined
  /** files offered in messages that expire (see Files.expiry) */
  fileExpiry?: DisappearingComponents['fileExpiry']
}

/** how long a stop waits for session work under way (a libsignal call) before closing the stores */
const DRAIN_TIMEOUT = 10_000

/**
 * Direct messages, the same shape as GroupChats: contacts and message requests, the
 * conversations, the inbox the DM protocol hands messages to, the durable outbox that reaches
 * peers (directly, or through their relay mailboxes), and control messages other parts of the
 * node send through it. Build it before libp2p starts (it sets the DM protocol's handlers).
 */
export class DirectChats extends TypedEventEmitter<DirectChatsEvents> {
  readonly contacts: ContactBook
  readonly messages: MessagesStore
  /** sealed envelopes waiting for their recipient's ack */
  readonly outbox: QueueStore
  private readonly components: DirectChatsComponents
  private readonly contactsStore: ContactsStore
  private readonly conversations: Conversations
  private readonly delivery: Outbox
  private readonly mailbox: MailboxClient
  private readonly control = new ControlRouter()
  private readonly disappearing: DisappearingMessages
  private readonly quota: RequestQuota
  /** our Signal identity, prekeys and sessions */
  private readonly ratchet: Ratchet
  /** where contacts find us, and we them, in the DHT */
  readonly rendezvous: RendezvousRecords
  /** tells contacts where our mailbox queues are */
  private readonly queueSharing: QueueSharing
  private rotation?: ReturnType<typeof setInterval>
  /** one lock per peer around its session: the same one the inbox and conversations take */
  private readonly mutex = new KeyedMutex()
  private readonly log: Logger

  constructor (components: DirectChatsComponents) {
    super()
    this.components = components
    const { libp2p, key, db } = components
    const log = libp2p.logger.forComponent('hyphae:direct')
    const dm = libp2p.services.dm
    const mutex = this.mutex
    this.log = log
    this.contactsStore = new ContactsStore(db)
    this.messages = new MessagesStore(db)
    this.outbox = new QueueStore(db, 'outbox')
    this.ratchet = new Ratchet(db, key)
    this.contacts = new ContactBook(this.contactsStore, libp2p, async (peer, bundle) => { await this.ratchet.saveBundle(peer, bundle) })
    const onStored = (record: MessageRecord): void => { this.safeDispatchEvent('message', { detail: record }) }
    const onStatus = (event: ReceiptEvent): void => { this.safeDispatchEvent('receipt', { detail: event }) }
    this.quota = new RequestQuota(db, this.contactsStore, this.messages, components.requestLimits)
    const { receive, receiveMany } = createInbox({
      contacts: this.contactsStore, messages: this.messages, ratchet: this.ratchet, mutex, log, onStored, quota: this.quota,
      onDropped: drop => {
        log('request quota dropped %d message(s) of %s%s', drop.messages, drop.peerId, drop.whole ? ' (the whole request)' : '')
        this.safeDispatchEvent('request:dropped', { detail: drop })
      },
      onControl: async (from, payload) => { await this.control.dispatch(from, payload) },
      fileOffer: components.fileOffer
    })
    this.mailbox = new MailboxClient({
      libp2p, mailbox: libp2p.services.mailbox, contacts: this.contactsStore, log, receive, key, prekeys: async () => this.prekeys(), db,
      onRelaysChanged: relays => { this.queueSharing.relaysChanged(relays) },
      expiryOf: async peer => {
        const seconds = await this.disappearing.timer(peer)
        return seconds > 0 ? Date.now() + seconds * 1000 : undefined
      }
    })
    this.queueSharing = new QueueSharing({
      libp2p, key, db, contacts: this.contactsStore, mailbox: this.mailbox, log, sendControl: async (peer, app, data) => this.sendControl(peer, app, data),
      inviteGeneration: () => this.mailbox.generation
    })
    this.rendezvous = new RendezvousRecords({ libp2p, key, contacts: this.contactsStore, log })
    this.delivery = new Outbox({
      libp2p, dm, find: async (peer, signal) => this.rendezvous.lookup(peer, signal), store: this.outbox, messages: this.messages, contacts: this.contactsStore, log, onStatus,
      deposit: async (peer, entries, options) => this.mailbox.deposit(peer, entries, options),
      sealDrafts: async (peer, entries, reachable) => { await this.conversations.sealDrafts(peer, entries, reachable) }
    })
    // from the peer itself when it answers, else from the relays that hold its mailbox
    const fetchPrekeys = async (peer: string, reachable: boolean): Promise<PrekeyBundle | undefined> => {
      const peerId = peerIdFromString(peer)
      if (reachable) {
        try {
          return await libp2p.services.prekeys.fetch(peerId, { signal: AbortSignal.timeout(PREKEYS_TIMEOUT) })
        } catch (err) {
          log('no prekeys from %s - %e', peer, err)
        }
      }
      return this.mailbox.prekeysOf(peerId, AbortSignal.timeout(PREKEYS_TIMEOUT))
    }
    const rationing = new PrekeyRationing(this.ratchet)
    libp2p.services.prekeys.serve = async peer => rationing.bundleFor(peer.toString())
    this.conversations = new Conversations({
      key, ratchet: this.ratchet, fetchPrekeys, dm, messages: this.messages, outbox: this.outbox, delivery: this.delivery, mutex, log, onStored, onStatus,
      readReceipts: components.readReceipts
    })
    this.disappearing = new DisappearingMessages({
      db,
      messages: this.messages,
      log,
      sendControl: async (peer, app, data) => this.sendControl(peer, app, data),
      unqueueOps: async (peer, ids) => this.delivery.unqueueOps(peer, ids),
      onExpired: (peer, ids) => { this.delivery.unqueued(peer, ids) },
      fileExpiry: components.fileExpiry,
      compact: typeof (db as Partial<Database>).compact === 'function' ? async () => db.compact() : undefined
    })
    // only a contact sets a conversation's timer: a stranger's setting is dropped (and acked)
    this.control.register(TIMER_APP, async (from, data) => {
      if ((await this.contactsStore.get(from.toString()))?.state !== 'contact') { log('timer from %p, not a contact: ignored', from); return }
      await this.disappearing.onControl(from, data)
    })
    this.control.register(QUEUES_APP, async (from, data) => { await this.queueSharing.onQueues(from, data) })
    dm.onMessage = receive
    dm.onMessages = receiveMany
    dm.onReceipt = async (from, ids) => { await this.conversations.onReceipt(from, ids) }
  }

  /** Connections closed because they stopped delivering while messages waited (a frozen flow). */
  get stalledConnectionsClosed (): number {
    return this.delivery.stalledClosed
  }

  /** How long each of the last stalls took to notice: ms from the last ack to the close. */
  get stallDetectionsMs (): number[] {
    return [...this.delivery.stallDetections]
  }

  /** Call once libp2p runs: collects mailboxes, delivers what the outbox holds. */
  async start (): Promise<void> {
    await this.ratchet.maintain()
    this.rotation = setInterval(() => { void this.ratchet.maintain().catch(() => {}) }, ROTATION_CHECK_MS)
    this.rotation.unref?.()
    await this.mailbox.start()
    this.disappearing.start()
    this.rendezvous.start()
    await this.delivery.start()
  }

  /**
   * Leaves what the outbox holds for contacts out of reach in their mailboxes, waiting for that
   * until `signal`: call before stop() (a node going offline hands its messages over first).
   */
  async flushToMailboxes (signal: AbortSignal): Promise<void> {
    await this.delivery.flushToMailboxes(signal)
  }

  /** Stops new work; call before libp2p stops, then `drained()` before the stores close. */
  stop (): void {
    clearInterval(this.rotation)
    this.queueSharing.stop()
    this.delivery.stop()
    this.mailbox.stop()
    this.disappearing.stop()
    this.rendezvous.stop()
  }

  async drained (): Promise<void> {
    await this.delivery.drained()
    // sessions are read and written under this lock: a libsignal call still under way holds it,
    // and its store callbacks need the database the caller closes next
    await this.mutex.idle(AbortSignal.timeout(DRAIN_TIMEOUT))
    await this.rendezvous.drained()
  }

  /** The addresses in every contact's invite (where their relays are). */
  async contactAddresses (): Promise<string[]> {
    return (await this.contactsStore.list('contact')).flatMap(c => c.addrs)
  }

  async addContact (target: string, nickname?: string): Promise<ContactInfo> {
    const record = await this.contacts.add(target, nickname)
    // anything queued for them before (e.g. while they were blocked) can go now
    this.delivery.kick(record.peerId)
    this.components.onContactAdded?.(record.addrs)
    void this.rendezvous.publishFor(record.peerId)
    return this.contacts.info(record)
  }

  async renameContact (ref: string, nickname: string): Promise<ContactInfo> {
    return this.contacts.info(await this.contacts.rename(ref, nickname))
  }

  async removeContact (ref: string): Promise<ContactInfo> {
    const record = await this.contacts.remove(ref)
    // its own queues go: the relays refuse what it deposits there (now, or once back)
    void this.queueSharing.revoke(record.peerId, false).catch(() => {})
    return this.contacts.info(record)
  }

  /** Blocks a peer; its queues and the invite's it may hold are closed on our relays (README: Blocking). */
  async blockContact (ref: string): Promise<ContactInfo> {
    const record = await this.contacts.block(ref)
    this.quota.forget(record.peerId)
    await this.queueSharing.revoke(record.peerId, true)
    return this.contacts.info(record)
  }

  async listContacts (): Promise<ContactSummary[]> {
    const records = await this.contactsStore.list()
    return Promise.all(records.filter(r => r.state !== 'request').map(async r => ({ ...this.contacts.info(r), unread: await this.messages.unreadCount(r.peerId), timer: await this.disappearing.timer(r.peerId) })))
  }

  /** Sets a conversation's disappearing-messages timer (0: off), here and for the contact. */
  async setTimer (ref: string, seconds: number): Promise<{ peerId: string, timer: number }> {
    const { peerId } = await this.contacts.resolve(ref)
    return { peerId, timer: (await this.disappearing.set(peerId, seconds)).seconds }
  }

  /** See Messenger.resetSession. */
  async resetSession (ref: string): Promise<ContactInfo & { hadSession: boolean }> {
    const record = await this.contacts.resolve(ref)
    const hadSession = await this.mutex.run(record.peerId, async () => this.ratchet.resetSession(record.peerId))
    this.log('session with %s reset', record.peerId)
    return { ...this.contacts.info(record), hadSession }
  }

  /** Deletes the messages whose timer ran out now rather than at the next sweep; returns how many. */
  async expireMessages (): Promise<number> {
    return this.disappearing.sweep()
  }

  async listRequests (): Promise<MessageRequest[]> {
    const requests = await this.contactsStore.list('request')
    return Promise.all(requests.map(async r => {
      const page = await this.messages.list(r.peerId, { limit: 1000 })
      return { ...this.contacts.info(r), messages: page.length, last: page.at(-1), dropped: r.dropped ?? 0 }
    }))
  }

  /** What the request quota has dropped since the profile was made. */
  async requestDrops (): Promise<RequestDrops> {
    return this.quota.dropped()
  }

  async acceptRequest (ref: string): Promise<ContactInfo> {
    const record = await this.contacts.accept(ref)
    this.quota.forget(record.peerId)
    void this.queueSharing.shareQueues([record.peerId])
    void this.rendezvous.publishFor(record.peerId)
    return this.contacts.info(record)
  }

  async send (ref: string, text: string, options: { replyTo?: string } = {}): Promise<SendResult> {
    return this.conversations.send(await this.contacts.resolve(ref), text, options)
  }

  /** Sends a file offer as a message of the conversation, `body` its line of text. */
  async sendFile (ref: string, body: string, offer: Uint8Array, summary: NonNullable<MessageRecord['file']>): Promise<SendResult & { conversation: string }> {
    const contact = await this.contacts.resolve(ref)
    return { ...(await this.conversations.send(contact, body, { file: { offer, summary } })), conversation: contact.peerId }
  }

  /** Resolves a contact reference (peer id or nickname) to its peer id. */
  async resolve (ref: string): Promise<{ peerId: string, state: string }> {
    const contact = await this.contacts.resolve(ref)
    return { peerId: contact.peerId, state: contact.state }
  }

  /** A peer's standing here: contact, request, blocked, or undefined. */
  async contactState (peer: string): Promise<string | undefined> {
    return (await this.contactsStore.get(peer))?.state
  }

  async list (ref: string, options: { limit?: number, before?: string } = {}): Promise<MessageRecord[]> {
    return this.messages.list((await this.contacts.resolve(ref)).peerId, options)
  }

  async markRead (ref: string): Promise<string[]> {
    return this.conversations.markRead((await this.contacts.resolve(ref)).peerId)
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
    return this.conversations.sendControl(peerId, this.control.encode(app, data))
  }

  /** What our invite carries so that a first message reaches us while we are offline. */
  async prekeys (): Promise<PrekeyBundle> {
    await this.ratchet.ready()
    return this.ratchet.inviteBundle()
  }

  /** Our queues on these relays (default: those we hold a slot on), for an invite; see QueueSharing. */
  async ourQueues (relays?: RelayRef[]): Promise<MailboxQueues['queues']> {
    return this.queueSharing.ourQueues(relays)
  }

  async outboxSize (): Promise<number> {
    return this.outbox.size()
  }
}
