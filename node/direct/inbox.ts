import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { base64url } from 'multiformats/bases/base64'
import { AckStatus, openEnvelope, refusal, type Envelope, type OpenedEnvelope, type ReceiveContext } from '../../protocols/dm/index.ts'
import { hex } from '../hex.ts'
import type { Ratchet } from './ratchet.ts'
import type { RequestDrop, RequestQuota } from './request-quota.ts'
import type { KeyedMutex } from '../keyed-mutex.ts'
import type { ContactRecord, ContactsStore } from '../store/contacts-store.ts'
import type { BatchOp, MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { SignalTransaction } from '../store/signal-store.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** Far beyond any honest conversation's count of messages, far below 2^53 (the same bound as groups'). */
export const MAX_CLOCK_JUMP = 2 ** 20
/** How far ahead of ours a sender's clock may be before its send time is not believed. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000

export interface InboxComponents {
  contacts: ContactsStore
  messages: MessagesStore
  ratchet: Ratchet
  /** serialises writes to one conversation (and its ratchet) */
  mutex: KeyedMutex
  log: Logger
  onStored: (record: MessageRecord) => void
  /** what strangers may keep here */
  quota: RequestQuota
  /** the user is told what the quota dropped */
  onDropped: (drop: RequestDrop) => void
  /** control payloads go here instead of the conversation; it stores, then resolves */
  onControl: (from: PeerId, control: Uint8Array) => Promise<void>
  /** a file offer: what the message shows of it and the ops that keep it (undefined: not a valid offer) */
  fileOffer?: (from: string, messageId: string, offer: Uint8Array) => { file: NonNullable<MessageRecord['file']>, ops: BatchOp[] } | undefined
}

export interface Inbox {
  /** one envelope (a mailbox hands them over one by one) */
  receive(from: PeerId, envelope: Envelope, context?: ReceiveContext): Promise<AckStatus>
  /** envelopes that arrived together from one peer, in order: one status each */
  receiveMany(from: PeerId, envelopes: Envelope[], context?: ReceiveContext): Promise<AckStatus[]>
}

interface Pending { record: MessageRecord, ops: BatchOp[], index: number }

/**
 * The receiving side of direct messages: opens each envelope with the ratchet and stores it.
 * libsignal's state changes (a message key used up, the chain moved on) are buffered and go in
 * the same batch as the messages they decrypted, with the clock and (for a stranger) the message
 * request: a crash leaves either both or neither, so a message is never lost (state saved, message
 * not) nor delivered twice (message saved, state not: the retry is found by id). Each resolves
 * STORED only once that batch is written, and the acks go out after that. A stranger is heard
 * (and its envelope opened) only on a stream it began with an introduction (proof of work), and
 * what strangers keep here is capped (RequestQuota): past a cap the oldest goes, and the user is told.
 */
export function createInbox (components: InboxComponents): Inbox {
  const { ratchet } = components
  const receiveMany = async (from: PeerId, envelopes: Envelope[], context?: ReceiveContext): Promise<AckStatus[]> => {
    const peer = from.toString()
    await ratchet.ready()
    return components.mutex.run(peer, async () => {
      let contact = await components.contacts.get(peer)
      if (contact?.state === 'blocked') return envelopes.map(() => AckStatus.REFUSED_BLOCKED)
      const statuses: AckStatus[] = envelopes.map(() => AckStatus.UNAVAILABLE)
      const seen = new Set<string>()
      const known = contact != null
      let clock = await components.messages.clock(peer)
      let tx = ratchet.transaction()
      let pending: Pending[] = []
      let changed: ContactRecord | undefined

      /** Writes what is pending (messages and ratchet state) in one batch, then lets the acks for it go. */
      const flush = async (): Promise<void> => {
        if (pending.length === 0 && tx.empty) return
        const batch = pending
        const state = tx
        pending = []
        tx = ratchet.transaction()
        if (contact?.state === 'request' && batch.length > 0) {
          await components.quota.run(async () => {
            const admission = await components.quota.admit(contact as ContactRecord, batch.map(p => p.record))
            const kept = batch.slice(admission.skip)
            await commit(state, [...kept.flatMap(p => p.ops), ...admission.ops, components.contacts.putOp(admission.record)])
            components.contacts.stored(admission.record)
            contact = admission.record
            changed = undefined
            const drops = admission.commit()
            // stored, then (the oldest) dropped under the quota: acked either way
            for (const { index } of batch) statuses[index] = AckStatus.STORED
            for (const { record } of kept) components.onStored(record)
            for (const drop of drops) components.onDropped(drop)
          })
          return
        }
        const ops = batch.flatMap(p => p.ops)
        if (changed != null) ops.push(components.contacts.putOp(changed))
        await commit(state, ops)
        if (changed != null) components.contacts.stored(changed)
        changed = undefined
        for (const { index } of batch) statuses[index] = AckStatus.STORED
        for (const { record } of batch) components.onStored(record)
      }

      for (const [i, envelope] of envelopes.entries()) {
        // a stranger is heard only after paying its introduction (it retries with one); its
        // envelope is not even opened before, so it costs us no Kyber decapsulation either
        if (!known && context?.introduced !== true) {
          context?.needIntroduction?.()
          continue
        }
        // a savepoint: kept only if what it decrypted is kept
        const step = ratchet.transaction(tx)
        let message: OpenedEnvelope
        try {
          message = await openEnvelope(envelope, step.stores, ratchet.me, from.publicKey)
        } catch (err: any) {
          components.log('envelope %s from %s not opened - %e', hex(envelope.id), peer, err)
          statuses[i] = refusal(err)
          // libsignal says "duplicate" for a key it used and for one it forgot (over 2,000
          // skipped): only a message we hold is a duplicate, else the sender must hear it failed
          if (statuses[i] === AckStatus.DUPLICATE && !seen.has(hex(envelope.id)) && !components.messages.hasSync(hex(envelope.id))) statuses[i] = AckStatus.MALFORMED
          continue
        }
        if (message.control != null) {
          // an application's message (a group key...): its handler decides and stores, after
          // what came before it; the ratchet moves past it only once the handler has resolved,
          // so a handler that fails sees the same envelope again (and must be idempotent)
          await flush()
          try {
            await components.onControl(from, message.control)
            await commit(step, [])
            statuses[i] = AckStatus.STORED
          } catch {}
          continue
        }
        tx.merge(step)
        const id = hex(message.id)
        if (seen.has(id) || components.messages.hasSync(id)) { statuses[i] = AckStatus.DUPLICATE; continue }
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
        const ops = components.messages.putOps(record, clock)
        // a file offer is kept with its message (an invalid one leaves the message as its text line)
        // from contacts only: a stranger's offer stays a line of text in its request (no record to grow)
        const offer = message.file != null && contact?.state === 'contact' ? components.fileOffer?.(peer, id, message.file) : undefined
        if (offer != null) {
          record.file = offer.file
          ops.push(...offer.ops)
        }
        pending.push({ record, ops, index: i })
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

  /** One batch: the messages' ops and the ratchet state that decrypted them. */
  const commit = async (tx: SignalTransaction, ops: BatchOp[]): Promise<void> => {
    const written = components.messages.batch([...ops, ...tx.ops()])
    ratchet.store.committing(tx, written)
    await written
  }

  return {
    receiveMany,
    receive: async (from, envelope, context) => (await receiveMany(from, [envelope], context))[0]
  }
}

function publicKeyText (opened: OpenedEnvelope): string {
  return base64url.baseEncode(publicKeyToProtobuf(opened.sender))
}
