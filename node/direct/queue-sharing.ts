/**
 * Keeps contacts told where our mailbox queues are: an invite carries the queues anyone holding
 * it may deposit in; a contact we accepted, and every contact once our relays change and settle,
 * is handed queues of its own (mailbox-queues.ts). What each contact was last told is
 * remembered, so a restart on the same relays tells nobody. A contact told before queues were
 * per contact keeps depositing in the invite's until it hears of its own (we fetch both).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { MailboxQueues } from '../pb/invite.ts'
import { relaysOf, type RelayRef } from '../net/relay-addresses.ts'
import { queueRecords, queuesFor } from './mailbox-queues.ts'
import type { MailboxClient } from './mailbox-client.ts'
import type { ContactsStore, JsonSublevel } from '../store/contacts-store.ts'
import type { Database } from '../store/database.ts'
import type { Libp2p, Logger, PeerId, PrivateKey } from '@libp2p/interface'

/** the control app that hands a contact our mailbox queues */
export const QUEUES_APP = 'queues'
/** how long relays must stay put before contacts hear of the new queues */
const SHARE_QUEUES_AFTER_MS = 5_000
/** how long making an invite waits for our queues to be opened on the relays it names */
const OPEN_QUEUES_TIMEOUT = 5_000
/** relays remembered as named to contacts */
const MAX_TOLD = 32
/** marks a contact told of queues of its own (before: the invite's) */
const OWN = 'own:'

export interface QueueSharingInit {
  libp2p: Libp2p
  key: PrivateKey
  db: Database
  contacts: ContactsStore
  /** opens our queues on relays */
  mailbox: MailboxClient
  /** sends a control message through the encrypted DM path */
  sendControl: (peer: string, app: string, data: Uint8Array) => Promise<string>
  log: Logger
  /** the invite queue's generation (MailboxCloses): what an invite names */
  inviteGeneration?: () => number
}

export class QueueSharing {
  private readonly init: QueueSharingInit
  /** `relays` -> the relay ids our contacts were last told of; `peer!<id>` -> those told to one peer */
  private readonly queuesSent: JsonSublevel<string>
  private shareTimer?: ReturnType<typeof setTimeout>

  constructor (init: QueueSharingInit) {
    this.init = init
    this.queuesSent = init.db.sublevel<string, string>('mailbox-queues-sent', { valueEncoding: 'json' })
  }

  stop (): void {
    clearTimeout(this.shareTimer)
  }

  /**
   * Our queues on these relays (default: those we hold a slot on), for an invite or a contact;
   * opened first on those we are connected to (waiting at most OPEN_QUEUES_TIMEOUT). The relays
   * are noted as handed out (see relaysChanged).
   */
  async ourQueues (relays: RelayRef[] = relaysOf(this.init.libp2p.getMultiaddrs()), contact?: PeerId): Promise<MailboxQueues['queues']> {
    await this.init.mailbox.openQueues(relays.map(r => r.peerId), AbortSignal.timeout(OPEN_QUEUES_TIMEOUT), contact)
    const queues = await queuesFor(this.init.key, relays, contact, contact == null ? this.init.inviteGeneration?.() ?? 0 : 0)
    const told = await this.handedOut()
    if (relays.some(r => !told.includes(r.peerId.toString()))) {
      await this.queuesSent.put('relays', [...new Set([...relays.map(r => r.peerId.toString()), ...told])].slice(0, MAX_TOLD).join(','))
    }
    return queues
  }

  /** A contact's queues, refreshed when its relays change: only from a contact (a stranger's are dropped and acked). */
  async onQueues (from: PeerId, data: Uint8Array): Promise<void> {
    const { contacts, log } = this.init
    const contact = await contacts.get(from.toString())
    if (contact?.state !== 'contact') { log('queues from %p, not a contact: ignored', from); return }
    let queues
    try { queues = queueRecords(MailboxQueues.decode(data, { limits: { queues: 8 } }).queues) } catch { log('bad queues from %p: ignored', from); return }
    if (queues.length === 0) return
    await contacts.put({ ...contact, queues })
    // a contact who has no queues of its own from us (it accepted our request): hand them over
    if (!((await this.queuesSent.get(`peer!${from.toString()}`)) ?? '').startsWith(OWN)) void this.shareQueues([from.toString()])
  }

  /** The relays named in an invite or a control message of ours, newest first. */
  private async handedOut (): Promise<string[]> {
    return ((await this.queuesSent.get('relays')) ?? '').split(',').filter(Boolean)
  }

  /**
   * `peer` was removed, or blocked: its own queues are closed wherever they may be open. A
   * blocked peer may hold our invite: its queue moves on too, and the contacts still depositing
   * in the old one are handed queues of their own.
   */
  async revoke (peer: string, blocked: boolean): Promise<void> {
    await this.init.mailbox.closeQueues(peerIdFromString(peer), await this.namedRelays(peer))
    if (!blocked) return
    await this.init.mailbox.rotateInviteQueue(await this.namedRelays())
    void this.handOwnQueues().catch(err => { this.init.log('queues of their own not handed over - %e', err) })
  }

  /** The relays our invites named, and with `peer` those it was last told of: where its queues may be open. */
  private async namedRelays (peer?: string): Promise<string[]> {
    const told = peer != null ? ((await this.queuesSent.get(`peer!${peer}`)) ?? '').replace(OWN, '').split(',') : []
    return [...new Set([...await this.handedOut(), ...told])].filter(Boolean)
  }

  /** Hands queues of their own to the contacts told only the invite's: it moved (MailboxCloses.rotateInvite). */
  private async handOwnQueues (): Promise<void> {
    const untold: string[] = []
    for (const contact of await this.init.contacts.list('contact')) {
      if (!((await this.queuesSent.get(`peer!${contact.peerId}`)) ?? '').startsWith(OWN)) untold.push(contact.peerId)
    }
    if (untold.length > 0) await this.shareQueues(untold)
  }

  /**
   * Hands each of these peers its own queues on our current relays, through the encrypted DM
   * path (a contact's mailbox included). A contact who added us by invite has the invite's; one
   * we accepted, one told before queues were per contact, or one whose copy names a relay we no
   * longer hold, has none of its own yet.
   */
  async shareQueues (peers: string[]): Promise<void> {
    const relays = relaysOf(this.init.libp2p.getMultiaddrs())
    if (relays.length === 0) return
    const set = OWN + relays.map(r => r.peerId.toString()).sort().join(',')
    for (const peer of peers) {
      let contact
      try { contact = peerIdFromString(peer) } catch { continue }
      // told at once, opened meanwhile: it deposits only once we stop answering, and a deposit
      // into a queue not yet open waits in its outbox
      void this.init.mailbox.openQueues(relays.map(r => r.peerId), AbortSignal.timeout(OPEN_QUEUES_TIMEOUT), contact)
      const queues = await queuesFor(this.init.key, relays, contact)
      await this.init.sendControl(peer, QUEUES_APP, MailboxQueues.encode({ queues }))
        .then(async () => { await this.queuesSent.put(`peer!${peer}`, set) }, () => {})
    }
  }

  /**
   * Our relays changed: once they settle, every contact not yet told of all of them hears of our
   * queues. Told is per contact (`peer!<id>`), not "named in some invite": an invite shown to a
   * new person tells our existing contacts nothing; a restart on the same relays tells nobody again.
   */
  relaysChanged (relays: RelayRef[]): void {
    clearTimeout(this.shareTimer)
    this.shareTimer = setTimeout(() => {
      void (async () => {
        const current = relays.map(r => r.peerId.toString())
        const contacts = await this.init.contacts.list('contact')
        if (contacts.length === 0) { await this.ourQueues(relays); return }
        const untold: string[] = []
        for (const contact of contacts) {
          const sent = (await this.queuesSent.get(`peer!${contact.peerId}`)) ?? ''
          // told the invite's queues only (before queues were per contact): hand it its own
          const told = sent.startsWith(OWN) ? sent.slice(OWN.length).split(',') : []
          if (!current.every(r => told.includes(r))) untold.push(contact.peerId)
        }
        if (untold.length > 0) await this.shareQueues(untold)
      })().catch(() => {})
    }, SHARE_QUEUES_AFTER_MS)
    this.shareTimer.unref?.()
  }
}
