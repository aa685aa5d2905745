import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { base64url } from 'multiformats/bases/base64'
import { AckStatus, openEnvelope, refusal, type Envelope, type OpenedEnvelope } from '../../protocols/dm/index.ts'
import { hex } from '../hex.ts'
import type { Ratchet } from './ratchet.ts'
import type { KeyedMutex } from '../keyed-mutex.ts'
import type { ContactRecord, ContactsStore } from '../store/contacts-store.ts'
import type { BatchOp, MessageRecord, MessagesStore } from '../store/messages-store.ts'
import type { SignalTransaction } from '../store/signal-store.ts'
import type { Logger, PeerId } from '@libp2p/interface'

export interface InboxComponents {
  contacts: ContactsStore
  messages: MessagesStore
  ratchet: Ratchet
  /** serialises writes to one conversation (and its ratchet) */
  mutex: KeyedMutex
  log: Logger
  onStored: (record: MessageRecord) => void
  /** control payloads go here instead of the conversation; it stores, then resolves */
  onControl: (from: PeerId, control: Uint8Array) => Promise<void>
}

export interface Inbox {
  /** one envelope (a mailbox hands them over one by one) */
  receive(from: PeerId, envelope: Envelope): Promise<AckStatus>
  /** envelopes that arrived together from one peer, in order: one status each */
  receiveMany(from: PeerId, envelopes: Envelope[]): Promise<AckStatus[]>
}

/**
 * The receiving side of direct messages: opens each envelope with the ratchet and stores it.
 * libsignal's state changes (a message key used up, the chain moved on) are buffered and go in
 * the same batch as the messages they decrypted, with the clock and (for a stranger) the message
 * request: a crash leaves either both or neither, so a message is never lost (state saved, message
 * not) nor delivered twice (message saved, state not: the retry is found by id). Each resolves
 * STORED only once that batch is written, and the acks go out after that.
 */
export function createInbox (components: InboxComponents): Inbox {
  const { ratchet } = components
  const receiveMany = async (from: PeerId, envelopes: Envelope[]): Promise<AckStatus[]> => {
    const peer = from.toString()
    await ratchet.ready()
    return components.mutex.run(peer, async () => {
      let contact = await components.contacts.get(peer)
      if (contact?.state === 'blocked') return envelopes.map(() => AckStatus.REFUSED_BLOCKED)
      const statuses: AckStatus[] = envelopes.map(() => AckStatus.UNAVAILABLE)
      const seen = new Set<string>()
      let clock = await components.messages.clock(peer)
      let tx = ratchet.transaction()
      let ops: BatchOp[] = []
      let records: MessageRecord[] = []
      let indexes: number[] = []
      let changed: ContactRecord | undefined

      /** Writes what is pending (messages and ratchet state) in one batch, then lets the acks for it go. */
      const flush = async (): Promise<void> => {
        if (ops.length === 0 && tx.empty) return
        if (changed != null) ops.push(components.contacts.putOp(changed))
        await commit(tx, ops)
        if (changed != null) components.contacts.stored(changed)
        for (const i of indexes) statuses[i] = AckStatus.STORED
        for (const record of records) components.onStored(record)
        tx = ratchet.transaction()
        ops = []
        records = []
        indexes = []
        changed = undefined
      }

      for (const [i, envelope] of envelopes.entries()) {
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

  /** One batch: the messages' ops and the ratchet state that decrypted them. */
  const commit = async (tx: SignalTransaction, ops: BatchOp[]): Promise<void> => {
    const written = components.messages.batch([...ops, ...tx.ops()])
    ratchet.store.committing(tx, written)
    await written
  }

  return {
    receiveMany,
    receive: async (from, envelope) => (await receiveMany(from, [envelope]))[0]
  }
}

function publicKeyText (opened: OpenedEnvelope): string {
  return base64url.baseEncode(publicKeyToProtobuf(opened.sender))
}
