import { peerIdFromString } from '@libp2p/peer-id'
import { DRAFT_VERSION, draftEnvelope, Envelope, MESSAGE_ID_BYTES, sealDraft, sealEnvelope, type DirectMessages, type SealInit } from '../../protocols/dm/index.ts'
import { BlockedContactError, InvalidArgumentError } from '../errors.ts'
import { hex, unhex } from '../hex.ts'
import type { KeyedMutex } from '../keyed-mutex.ts'
import type { ReceiptEvent, SendResult } from '../messenger.ts'
import type { Outbox } from './outbox.ts'
import type { ContactRecord } from '../store/contacts-store.ts'
import type { MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { QueueEntry, QueueStore } from '../store/durable-queue.ts'
import type { Ratchet } from './ratchet.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import type { SignalTransaction } from '../store/signal-store.ts'
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'

export interface ConversationsComponents {
  key: PrivateKey
  ratchet: Ratchet
  /** a peer's prekeys: from the peer when `reachable`, else (or failing that) from its mailbox relays */
  fetchPrekeys: (peer: string, reachable: boolean) => Promise<PrekeyBundle | undefined>
  dm: DirectMessages
  messages: MessagesStore
  outbox: QueueStore
  delivery: Outbox
  mutex: KeyedMutex
  log: Logger
  readReceipts: () => Promise<boolean>
  onStored: (record: MessageRecord) => void
  onStatus: (event: ReceiptEvent) => void
}

/** Sending, reading and receipts for direct conversations. */
export class Conversations {
  private readonly components: ConversationsComponents

  constructor (components: ConversationsComponents) {
    this.components = components
  }

  /**
   * Seals the message and writes it and its outbox entry in one batch; when this returns the
   * message survives a crash and will be delivered.
   */
  async send (contact: ContactRecord, text: string, options: { replyTo?: string, file?: { offer: Uint8Array, summary: NonNullable<MessageRecord['file']> } } = {}): Promise<SendResult> {
    if (contact.state === 'blocked') throw new BlockedContactError(contact.peerId)
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidArgumentError('the message is empty')
    if (options.replyTo != null && !/^[0-9a-f]+$/.test(options.replyTo)) throw new InvalidArgumentError('replyTo must be a message id')
    const replyTo = options.replyTo != null ? unhex(options.replyTo) : undefined
    if (replyTo != null && replyTo.byteLength !== MESSAGE_ID_BYTES) throw new InvalidArgumentError('replyTo must be a message id')
    const peer = contact.peerId
    // the conversation's lock covers the clock and the seal; the write is only queued under it
    // (batches are written in the order asked), so sends pipelined by a caller share writes
    await this.components.ratchet.ready()
    const { record, key, bytes, written } = await this.components.mutex.run(peer, async () => {
      const lamport = (await this.components.messages.clock(peer)) + 1
      const sentAt = Date.now()
      const { envelope, tx } = await this.seal(peer, { lamport: BigInt(lamport), sentAt, body: text, replyTo, file: options.file?.offer })
      const record: MessageRecord = {
        id: hex(envelope.id),
        conversation: peer,
        direction: 'out',
        body: text,
        replyTo: options.replyTo,
        lamport,
        sentAt,
        storedAt: Date.now(),
        status: 'queued',
        ...(options.file != null ? { file: options.file.summary } : {})
      }
      const ops = this.components.messages.putOps(record, lamport)
      const key = this.components.outbox.nextKey(peer, record.id)
      const bytes = Envelope.encode(envelope)
      ops.push(this.components.outbox.putOp(key, bytes), ...tx.ops())
      const written = this.components.messages.batch(ops)
      this.components.ratchet.store.committing(tx, written)
      return { record, key, bytes, written }
    })
    await written
    this.components.onStored(record)
    this.components.delivery.queued(peer, key, bytes)
    return { id: record.id, status: record.status }
  }

  /**
   * Queues an application's control payload to `peer` (anyone, not only contacts) through the
   * same durable outbox. It is not part of any conversation.
   */
  async sendControl (peer: string, control: Uint8Array): Promise<string> {
    await this.components.ratchet.ready()
    const { id, key, bytes } = await this.components.mutex.run(peer, async () => {
      const { envelope, tx } = await this.seal(peer, { lamport: 0n, body: '', control })
      const id = hex(envelope.id)
      const key = this.components.outbox.nextKey(peer, id)
      const bytes = Envelope.encode(envelope)
      const written = this.components.messages.batch([this.components.outbox.putOp(key, bytes), ...tx.ops()])
      this.components.ratchet.store.committing(tx, written)
      await written
      return { id, key, bytes }
    })
    this.components.delivery.queued(peer, key, bytes)
    return id
  }

  /**
   * Seals with our session with `peer`, or starts one (PQXDH) from the prekeys of its invite.
   * With neither, a draft: the outbox seals it once it reaches the peer (sealDrafts). Call under
   * the conversation's lock; the caller writes `tx.ops()` with the outbox entry.
   */
  private async seal (peer: string, content: Omit<SealInit, 'sender' | 'recipient' | 'stores'>): Promise<{ envelope: Envelope, tx: SignalTransaction }> {
    const { ratchet } = this.components
    const tx = ratchet.transaction()
    const sender = this.components.key.publicKey
    if (!(await ratchet.ensureSession(tx, peer))) return { envelope: draftEnvelope({ sender, ...content }), tx }
    return { envelope: await sealEnvelope({ sender, recipient: peer, stores: tx.stores, ...content }), tx }
  }

  /**
   * Seals the drafts among `entries` (the outbox calls this before sending or depositing them),
   * with prekeys from the peer when `reachable`, else from its relays, and rewrites their outbox entries with the
   * sealed bytes in the same batch as the ratchet's state. Drafts it cannot seal stay drafts.
   */
  async sealDrafts (peer: string, entries: QueueEntry[], reachable: boolean): Promise<void> {
    if (!entries.some(e => isDraft(e.value))) return
    const { ratchet } = this.components
    await ratchet.ready()
    await this.components.mutex.run(peer, async () => {
      const tx = ratchet.transaction()
      if (!(await ratchet.ensureSession(tx, peer, async () => this.components.fetchPrekeys(peer, reachable)))) return
      const sealed: Array<{ entry: QueueEntry, bytes: Uint8Array }> = []
      for (const entry of entries) {
        if (!isDraft(entry.value)) continue
        sealed.push({ entry, bytes: Envelope.encode(await sealDraft(Envelope.decode(entry.value), peer, tx.stores)) })
      }
      const written = this.components.messages.batch([...sealed.map(s => this.components.outbox.putOp(s.entry.key, s.bytes)), ...tx.ops()])
      ratchet.store.committing(tx, written)
      await written
      for (const { entry, bytes } of sealed) entry.value = bytes
    })
  }

  /** Marks every unread incoming message read; tells the sender if read receipts are on. */
  async markRead (peer: string): Promise<string[]> {
    // the unread index holds exactly these, however far back in the history they are
    const ids = await this.components.messages.unreadIds(peer)
    if (ids.length === 0) return []
    const now = Date.now()
    await this.components.messages.updateStatus(ids.map(id => ({ id, status: 'read', change: { readAt: now } })), ids.map(id => this.components.messages.readOp(peer, id)))
    if (await this.components.readReceipts()) {
      const peerId = peerIdFromString(peer)
      for (let i = 0; i < ids.length; i += 256) {
        // best effort: a receipt that cannot go now is not worth a queue
        await this.components.dm.sendReceipt(peerId, ids.slice(i, i + 256).map(unhex)).catch(err => { this.components.log('read receipt to %s not sent - %e', peer, err) })
      }
    }
    return ids
  }

  /** A peer read some of our messages. Only that peer's own conversation is touched. */
  async onReceipt (from: PeerId, ids: Uint8Array[]): Promise<void> {
    const peer = from.toString()
    const mine: string[] = []
    for (const raw of ids) {
      const id = hex(raw)
      const record = await this.components.messages.get(id)
      if (record == null || record.conversation !== peer || record.direction !== 'out') continue
      mine.push(id)
    }
    const now = Date.now()
    const moved = await this.components.messages.updateStatus(mine.map(id => ({ id, status: 'read', change: { readAt: now } })))
    mine.forEach((id, i) => { if (moved[i]) this.components.onStatus({ id, conversation: peer, status: 'read' }) })
  }
}

function isDraft (bytes: Uint8Array): boolean {
  return Envelope.decode(bytes).version === DRAFT_VERSION
}
