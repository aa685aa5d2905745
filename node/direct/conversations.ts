import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { base64url } from 'multiformats/bases/base64'
import { Envelope, Lru, MESSAGE_ID_BYTES, sealEnvelope, type DirectMessages } from '../../protocols/dm/index.ts'
import { BlockedContactError, InvalidArgumentError } from '../errors.ts'
import { hex, unhex } from '../hex.ts'
import type { KeyedMutex } from '../keyed-mutex.ts'
import type { ReceiptEvent, SendResult } from '../messenger.ts'
import type { Outbox } from './outbox.ts'
import type { ContactRecord } from '../store/contacts-store.ts'
import type { MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { QueueStore } from '../store/durable-queue.ts'
import type { Logger, PeerId, PrivateKey, PublicKey } from '@libp2p/interface'

export interface ConversationsComponents {
  key: PrivateKey
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

/** Decoded keys of recent recipients: decoding one costs more than sealing a short message's header. */
const publicKeys = new Lru<PublicKey>(1024)

function publicKeyOf (contact: ContactRecord): PublicKey {
  const id = contact.publicKey ?? contact.peerId
  let key = publicKeys.get(id)
  if (key == null) {
    key = contact.publicKey != null ? publicKeyFromProtobuf(base64url.baseDecode(contact.publicKey)) : peerIdFromString(contact.peerId).publicKey
    if (key == null) throw new InvalidArgumentError(`no public key known for ${contact.peerId}`)
    publicKeys.set(id, key)
  }
  return key
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
  async send (contact: ContactRecord, text: string, options: { replyTo?: string } = {}): Promise<SendResult> {
    if (contact.state === 'blocked') throw new BlockedContactError(contact.peerId)
    if (typeof text !== 'string' || text.trim() === '') throw new InvalidArgumentError('the message is empty')
    if (options.replyTo != null && !/^[0-9a-f]+$/.test(options.replyTo)) throw new InvalidArgumentError('replyTo must be a message id')
    const replyTo = options.replyTo != null ? unhex(options.replyTo) : undefined
    if (replyTo != null && replyTo.byteLength !== MESSAGE_ID_BYTES) throw new InvalidArgumentError('replyTo must be a message id')
    const peer = contact.peerId
    // the conversation's lock covers the clock and the seal; the write is only queued under it
    // (batches are written in the order asked), so sends pipelined by a caller share writes
    const { record, key, bytes, written } = await this.components.mutex.run(peer, async () => {
      const lamport = (await this.components.messages.clock(peer)) + 1
      const envelope = await sealEnvelope({ senderKey: this.components.key, recipient: publicKeyOf(contact), lamport: BigInt(lamport), body: text, replyTo })
      const record: MessageRecord = {
        id: hex(envelope.id),
        conversation: peer,
        direction: 'out',
        body: text,
        replyTo: options.replyTo,
        lamport,
        sentAt: Number(envelope.sentAt),
        storedAt: Date.now(),
        status: 'queued'
      }
      const ops = this.components.messages.putOps(record, lamport)
      const key = this.components.outbox.nextKey(peer, record.id)
      const bytes = Envelope.encode(envelope)
      ops.push(this.components.outbox.putOp(key, bytes))
      return { record, key, bytes, written: this.components.messages.batch(ops) }
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
  async sendControl (peer: string, recipient: PublicKey, control: Uint8Array): Promise<string> {
    const envelope = await sealEnvelope({ senderKey: this.components.key, recipient, lamport: 0n, body: '', control })
    const id = hex(envelope.id)
    const key = this.components.outbox.nextKey(peer, id)
    const bytes = Envelope.encode(envelope)
    await this.components.messages.batch([this.components.outbox.putOp(key, bytes)])
    this.components.delivery.queued(peer, key, bytes)
    return id
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
