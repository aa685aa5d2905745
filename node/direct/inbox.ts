import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { base64url } from 'multiformats/bases/base64'
import { AckStatus, type OpenedEnvelope, type ReceiveContext } from '../../protocols/dm/index.ts'
import { hex } from '../hex.ts'
import type { KeyedMutex } from '../keyed-mutex.ts'
import type { RequestDrop, RequestQuota } from './request-quota.ts'
import type { ContactRecord, ContactsStore } from '../store/contacts-store.ts'
import type { BatchOp, MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { PeerId } from '@libp2p/interface'

/** Far beyond any honest conversation's count of messages, far below 2^53 (the same bound as groups'). */
export const MAX_CLOCK_JUMP = 2 ** 20
/** How far ahead of ours a sender's clock may be before its send time is not believed. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000

export interface InboxComponents {
  contacts: ContactsStore
  messages: MessagesStore
  /** serialises writes to one conversation */
  mutex: KeyedMutex
  onStored: (record: MessageRecord) => void
  /** what strangers may keep here */
  quota: RequestQuota
  /** the user is told what the quota dropped */
  onDropped: (drop: RequestDrop) => void
  /** control payloads go here instead of the conversation; it stores, then resolves */
  onControl: (from: PeerId, control: Uint8Array) => Promise<void>
}

export interface Inbox {
  /** one message (a mailbox hands them over one by one) */
  receive(from: PeerId, envelope: unknown, opened: OpenedEnvelope, context?: ReceiveContext): Promise<AckStatus>
  /** messages that arrived together from one peer, in order: one status each */
  receiveMany(from: PeerId, messages: Array<{ message: OpenedEnvelope }>, context?: ReceiveContext): Promise<AckStatus[]>
}

/**
 * The receiving side of direct messages. The protocol has already verified the signature and
 * decrypted the envelopes; this decides and stores. Messages that arrived together are stored
 * in one batch with the clock and (for a stranger) the message request, and each resolves
 * STORED only once that batch is written: the acks go out after that, so an acknowledged
 * message is never lost. A stranger is heard only on a stream it began with an introduction
 * (proof of work), and what strangers keep here is capped (RequestQuota): past a cap the
 * oldest goes, and the user is told.
 */
export function createInbox (components: InboxComponents): Inbox {
  const receiveMany = async (from: PeerId, messages: Array<{ message: OpenedEnvelope }>, context?: ReceiveContext): Promise<AckStatus[]> => {
    const peer = from.toString()
    return components.mutex.run(peer, async () => {
      let contact = await components.contacts.get(peer)
      if (contact?.state === 'blocked') return messages.map(() => AckStatus.REFUSED_BLOCKED)
      const statuses: AckStatus[] = messages.map(() => AckStatus.UNAVAILABLE)
      const ids = messages.map(({ message }) => hex(message.id))
      const stored = ids.map(id => components.messages.hasSync(id))
      const seen = new Set<string>()
      const known = contact != null
      let clock = await components.messages.clock(peer)
      let pending: Array<{ record: MessageRecord, ops: BatchOp[], index: number }> = []
      let changed: ContactRecord | undefined

      /** Writes what is pending in one batch, then lets the acks for it go. */
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return
        const batch = pending
        pending = []
        if (contact?.state === 'request') {
          await components.quota.run(async () => {
            const admission = await components.quota.admit(contact as ContactRecord, batch.map(p => p.record))
            const kept = batch.slice(admission.skip)
            await components.messages.batch([...kept.flatMap(p => p.ops), ...admission.ops, components.contacts.putOp(admission.record)])
            components.contacts.stored(admission.record)
            contact = admission.record
            const drops = admission.commit()
            // stored, then (the oldest) dropped under the quota: acked either way
            for (const { index } of batch) statuses[index] = AckStatus.STORED
            for (const { record } of kept) components.onStored(record)
            for (const drop of drops) components.onDropped(drop)
          })
        } else {
          const ops = batch.flatMap(p => p.ops)
          if (changed != null) ops.push(components.contacts.putOp(changed))
          await components.messages.batch(ops)
          if (changed != null) components.contacts.stored(changed)
          for (const { index } of batch) statuses[index] = AckStatus.STORED
          for (const { record } of batch) components.onStored(record)
        }
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
        // a stranger is heard only after paying its introduction (it retries with one)
        if (!known && context?.introduced !== true) {
          context?.needIntroduction?.()
          continue
        }
        const id = ids[i]
        if (stored[i] || seen.has(id)) { statuses[i] = AckStatus.DUPLICATE; continue }
        seen.add(id)
        // a peer's clock moves ours by a bounded step: one message must not push every later
        // key out of order (keys hold 16 digits) or past 2^53, where Number() loses precision
        const lamport = message.lamport <= BigInt(clock + MAX_CLOCK_JUMP) ? Number(message.lamport) : clock + 1
        clock = Math.max(clock, lamport)
        const storedAt = Date.now()
        const record: MessageRecord = {
          id,
          conversation: peer,
          direction: 'in',
          body: message.body,
          replyTo: message.replyTo != null ? hex(message.replyTo) : undefined,
          lamport,
          // a send time in the future is the sender's claim, not ours: shown as when it arrived
          sentAt: message.sentAt > storedAt + MAX_CLOCK_SKEW_MS ? storedAt : message.sentAt,
          storedAt,
          status: 'received'
        }
        pending.push({ record, ops: components.messages.putOps(record, clock), index: i })
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
    receive: async (from, _envelope, opened, context) => (await receiveMany(from, [{ message: opened }], context))[0]
  }
}

function publicKeyText (opened: OpenedEnvelope): string {
  return base64url.baseEncode(publicKeyToProtobuf(opened.sender))
}
