import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { base64url } from 'multiformats/bases/base64'
import { AckStatus, type OpenedEnvelope } from '../../protocols/dm/index.ts'
import { hex } from '../hex.ts'
import type { KeyedMutex } from '../keyed-mutex.ts'
import type { ContactRecord, ContactsStore } from '../store/contacts-store.ts'
import type { BatchOp, MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { PeerId } from '@libp2p/interface'

export interface InboxComponents {
  contacts: ContactsStore
  messages: MessagesStore
  /** serialises writes to one conversation */
  mutex: KeyedMutex
  onStored: (record: MessageRecord) => void
  /** control payloads go here instead of the conversation; it stores, then resolves */
  onControl: (from: PeerId, control: Uint8Array) => Promise<void>
}

export interface Inbox {
  /** one message (a mailbox hands them over one by one) */
  receive(from: PeerId, envelope: unknown, opened: OpenedEnvelope): Promise<AckStatus>
  /** messages that arrived together from one peer, in order: one status each */
  receiveMany(from: PeerId, messages: Array<{ message: OpenedEnvelope }>): Promise<AckStatus[]>
}

/**
 * The receiving side of direct messages. The protocol has already verified the signature and
 * decrypted the envelopes; this decides and stores. Messages that arrived together are stored
 * in one batch with the clock and (for a stranger) the message request, and each resolves
 * STORED only once that batch is written: the acks go out after that, so an acknowledged
 * message is never lost.
 */
export function createInbox (components: InboxComponents): Inbox {
  const receiveMany = async (from: PeerId, messages: Array<{ message: OpenedEnvelope }>): Promise<AckStatus[]> => {
    const peer = from.toString()
    return components.mutex.run(peer, async () => {
      let contact = await components.contacts.get(peer)
      if (contact?.state === 'blocked') return messages.map(() => AckStatus.REFUSED_BLOCKED)
      const statuses: AckStatus[] = messages.map(() => AckStatus.UNAVAILABLE)
      const ids = messages.map(({ message }) => hex(message.id))
      const known = ids.map(id => components.messages.hasSync(id))
      const seen = new Set<string>()
      let clock = await components.messages.clock(peer)
      let ops: BatchOp[] = []
      let records: MessageRecord[] = []
      let indexes: number[] = []
      let changed: ContactRecord | undefined

      /** Writes what is pending in one batch, then lets the acks for it go. */
      const flush = async (): Promise<void> => {
        if (ops.length === 0) return
        if (changed != null) ops.push(components.contacts.putOp(changed))
        await components.messages.batch(ops)
        if (changed != null) components.contacts.stored(changed)
        for (const i of indexes) statuses[i] = AckStatus.STORED
        for (const record of records) components.onStored(record)
        ops = []
        records = []
        indexes = []
        changed = undefined
      }

      for (const [i, { message }] of messages.entries()) {
        if (message.control != null) {
          // an application's message (a group key...): its handler decides and stores, after
          // what came before it; a retry of one already handled must be harmless to it
          await flush()
          try {
            await components.onControl(from, message.control)
            statuses[i] = AckStatus.STORED
          } catch {}
          continue
        }
        const id = ids[i]
        if (known[i] || seen.has(id)) { statuses[i] = AckStatus.DUPLICATE; continue }
        seen.add(id)
        const lamport = Number(message.lamport)
        clock = Math.max(clock, lamport)
        const record: MessageRecord = {
          id,
          conversation: peer,
          direction: 'in',
          body: message.body,
          replyTo: message.replyTo != null ? hex(message.replyTo) : undefined,
          lamport,
          sentAt: message.sentAt,
          storedAt: Date.now(),
          status: 'received'
        }
        ops.push(...components.messages.putOps(record, clock))
        records.push(record)
        indexes.push(i)
        if (contact == null) {
          // a stranger: kept as a message request, never dropped, never a normal conversation
          contact = changed = { peerId: peer, nickname: peer.slice(-8), addrs: [], state: 'request', addedAt: Date.now(), publicKey: publicKeyText(message) }
        } else if (contact.publicKey == null) {
          contact = changed = { ...contact, publicKey: publicKeyText(message) }
        }
      }
      await flush()
      return statuses
    })
  }

  return {
    receiveMany,
    receive: async (from, _envelope, opened) => (await receiveMany(from, [{ message: opened }]))[0]
  }
}

function publicKeyText (opened: OpenedEnvelope): string {
  return base64url.baseEncode(publicKeyToProtobuf(opened.sender))
}
