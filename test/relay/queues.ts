import { peerIdFromString } from '@libp2p/peer-id'
import { Envelope, sealEnvelope } from '../../protocols/dm/index.ts'
import { sealForRelay } from '../../protocols/dm/sealed.ts'
import { parseInvite } from '../../node/invite.ts'
import { queueRef } from '../../node/direct/mailbox-queues.ts'
import { waitFor } from '../fixtures/index.ts'
import type { Ratchet } from '../../node/direct/ratchet.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { PrekeyBundle } from '../../protocols/prekeys/index.ts'
import type { QueueRef } from '../../protocols/mailbox/index.ts'

/** The queue `node`'s invite names on `relay` (its token included): what a contact deposits with. */
export async function queueOf (node: HyphaeMessenger, relay: HyphaeMessenger | string): Promise<QueueRef> {
  const relayId = typeof relay === 'string' ? relay : relay.peerId
  const invite = await parseInvite((await node.id()).invite)
  const record = invite.queues.find(q => q.relay.endsWith(`/p2p/${relayId}`))
  if (record == null) throw new Error(`${node.peerId}'s invite names no queue on ${relayId}`)
  return queueRef(record)
}

/** Waits until `node` opened its queue on `relay` and left its prekeys under it. */
export async function queueOpened (node: HyphaeMessenger, relay: HyphaeMessenger, asker: HyphaeMessenger): Promise<QueueRef> {
  return waitFor(async () => {
    const ref = await queueOf(node, relay).catch(() => undefined)
    if (ref == null) return undefined
    const prekeys = await asker.libp2p.services.mailbox.fetchPrekeys(relay.libp2p.peerId, ref).catch(() => undefined)
    return prekeys != null ? ref : undefined
  }, { message: `${node.peerId} opened its queue on the relay`, timeout: 30_000 })
}

/** What `from`'s outbox would deposit for `to`: sealed with its session (started from `prekeys`), then boxed for the relay. */
export async function boxFor (from: HyphaeMessenger, to: string, prekeys: PrekeyBundle, body: string): Promise<Uint8Array> {
  const ratchet: Ratchet = (from.direct as any).ratchet
  const tx = ratchet.transaction()
  if (!(await ratchet.hasSession(tx, to))) await ratchet.startSession(tx, to, prekeys)
  const envelope = await sealEnvelope({ sender: from.libp2p.peerId.publicKey!, recipient: to, stores: tx.stores, lamport: 1n, body })
  const written = ratchet.store.db.batch(tx.ops() as any)
  ratchet.store.committing(tx, written)
  await written
  return sealForRelay(Envelope.encode(envelope), peerIdFromString(to).publicKey!)
}

/**
 * `from` hands `to` its own queues now and waits until the control message left its outbox, so
 * no hand-over lands in `to`'s mailbox later (the relays-settled timer then finds `to` told):
 * what a spec that counts a relay's messages needs before `to` goes offline.
 */
export async function queuesHandedOver (from: HyphaeMessenger, to: HyphaeMessenger): Promise<void> {
  await (from.direct as any).queueSharing.shareQueues([to.peerId])
  await waitFor(async () => (await from.direct.outboxSize()) === 0, { message: `${from.peerId} handed ${to.peerId} its queues`, timeout: 30_000 })
}
