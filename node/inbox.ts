import { publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { base64url } from 'multiformats/bases/base64'
import { AckStatus, type OpenedEnvelope } from '../protocols/dm/index.ts'
import { hex } from './hex.ts'
import type { KeyedMutex } from './keyed-mutex.ts'
import type { ContactRecord, ContactsStore } from './store/contacts-store.ts'
import type { MessageRecord, MessagesStore } from './store/messages-store.ts'
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

/**
 * The receiving side of direct messages. The protocol has already verified the signature and
 * decrypted the envelope; this decides and stores. It resolves STORED only after the message,
 * the clock and (for a stranger) the message request are written in one batch: the ack goes
 * out after that, so an acknowledged message is never lost.
 */
export function createInbox (components: InboxComponents) {
  return async (from: PeerId, _envelope: unknown, opened: OpenedEnvelope): Promise<AckStatus> => {
    const peer = from.toString()
    return components.mutex.run(peer, async () => {
      const contact = await components.contacts.get(peer)
      if (contact?.state === 'blocked') return AckStatus.REFUSED_BLOCKED
      if (opened.control != null) {
        // an application's message (a group key...): its handler decides and stores; a retry
        // of one already handled must be harmless to it
        try {
          await components.onControl(from, opened.control)
        } catch {
          return AckStatus.UNAVAILABLE
        }
        return AckStatus.STORED
      }
      const id = hex(opened.id)
      if (await components.messages.has(id)) return AckStatus.DUPLICATE
      const lamport = Number(opened.lamport)
      const clock = Math.max(await components.messages.clock(peer), lamport)
      const record: MessageRecord = {
        id,
        conversation: peer,
        direction: 'in',
        body: opened.body,
        replyTo: opened.replyTo != null ? hex(opened.replyTo) : undefined,
        lamport,
        sentAt: opened.sentAt,
        storedAt: Date.now(),
        status: 'received'
      }
      const ops = components.messages.putOps(record, clock)
      let changed: ContactRecord | undefined
      if (contact == null) {
        // a stranger: kept as a message request, never dropped, never a normal conversation
        changed = { peerId: peer, nickname: peer.slice(-8), addrs: [], state: 'request', addedAt: Date.now(), publicKey: publicKeyText(opened) }
      } else if (contact.publicKey == null) {
        changed = { ...contact, publicKey: publicKeyText(opened) }
      }
      if (changed != null) ops.push(components.contacts.putOp(changed))
      await components.messages.batch(ops)
      if (changed != null) components.contacts.stored(changed)
      components.onStored(record)
      return AckStatus.STORED
    })
  }
}

function publicKeyText (opened: OpenedEnvelope): string {
  return base64url.baseEncode(publicKeyToProtobuf(opened.sender))
}
