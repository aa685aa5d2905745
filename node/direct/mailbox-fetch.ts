import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { AckStatus, checkEnvelope, Envelope, type ReceiveContext } from '../../protocols/dm/index.ts'
import { openFromRelay } from '../../protocols/dm/sealed.ts'
import { FETCH_MANY_QUEUES, MailboxRefusedError, MailboxStatus, type FetchedEnvelope, type Mailbox, type QueueKeys } from '../../protocols/mailbox/index.ts'
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'

/** statuses after which the envelope is done with: the relay may delete it */
const DONE = new Set([AckStatus.STORED, AckStatus.DUPLICATE, AckStatus.REFUSED_BLOCKED, AckStatus.MALFORMED, AckStatus.WRONG_PEER, AckStatus.REFUSED_TOO_LARGE])

const FETCH_ROUNDS = 100

/** Our open queues on one relay, by hex id: whose (no contact: the invite's) and its keys. */
export type OpenQueues = Map<string, { contact?: PeerId, keys: QueueKeys }>

export interface FetchQueuesContext {
  mailbox: Mailbox
  /** per relay: whether it answers FetchMany (unset until asked) */
  batched: Map<string, boolean>
  stopped: () => boolean
  /** one fetch request went out */
  counted: () => void
  /** stores these boxes; the ids the relay may delete */
  store: (items: FetchedEnvelope[]) => Promise<string[]>
  /** the queue-by-queue path, for a relay from before FetchMany */
  one: (contact?: PeerId) => Promise<number>
  /** the relay no longer holds this queue: open it again next time */
  denied: (contact?: PeerId) => void
}

/**
 * Empties every open queue of ours on `relay` with one FetchMany per round (per 256 queues),
 * then one Delete per queue that held something: a poll of an owner with a queue per contact
 * costs one request, not one per contact. Returns how many boxes were stored.
 */
export async function fetchQueues (relay: PeerId, open: OpenQueues, ctx: FetchQueuesContext): Promise<number> {
  const key = relay.toString()
  let total = 0
  const oneByOne = async (): Promise<number> => {
    for (const { contact } of open.values()) total += await ctx.one(contact)
    return total
  }
  if (ctx.batched.get(key) === false) return oneByOne()
  let pending = [...open.keys()]
  for (let round = 0; round < FETCH_ROUNDS && pending.length > 0 && !ctx.stopped(); round++) {
    const next: string[] = []
    for (let i = 0; i < pending.length; i += FETCH_MANY_QUEUES) {
      const chunk = pending.slice(i, i + FETCH_MANY_QUEUES)
      ctx.counted()
      let fetched
      try {
        fetched = await ctx.mailbox.fetchMany(relay, chunk.map(q => open.get(q)!.keys))
        ctx.batched.set(key, true)
      } catch (err) {
        // a relay from before FetchMany reads an empty request: INVALID. Queue by queue, from now on
        if (!(err instanceof MailboxRefusedError && err.status === MailboxStatus.INVALID) || ctx.batched.get(key) === true) throw err
        ctx.batched.set(key, false)
        return oneByOne()
      }
      for (const q of fetched.denied) ctx.denied(open.get(q)?.contact)
      const byQueue = new Map<string, FetchedEnvelope[]>()
      for (const item of fetched.items) if (open.has(item.queue)) byQueue.set(item.queue, [...(byQueue.get(item.queue) ?? []), item])
      let more = fetched.more.filter(q => open.has(q))
      for (const [q, items] of byQueue) {
        const done = await ctx.store(items)
        total += done.length
        if (done.length > 0) await ctx.mailbox.delete(relay, open.get(q)!.keys, done)
        // one that gave nothing we could take is not asked again this poll
        else more = more.filter(m => m !== q)
      }
      next.push(...more)
    }
    pending = next
  }
  return total
}

export interface StoreFetchedContext {
  /** our identity: opens the sealed boxes */
  key: PrivateKey
  receive: (from: PeerId, envelope: Envelope, context?: ReceiveContext) => Promise<AckStatus>
  log: Logger
}

/** Opens, stores and acks each box fetched from `relay` through `receive`; the ids the relay may delete. */
export async function storeFetched (relay: PeerId, items: FetchedEnvelope[], ctx: StoreFetchedContext): Promise<string[]> {
  const done: string[] = []
  for (const item of items) {
    try {
      // the sender sits inside the box: only we can open it
      const envelope = Envelope.decode(openFromRelay(item.envelope, ctx.key))
      // the author it names only picks the session: a forged name does not decrypt; whoever
      // left it held the token we handed our contacts
      const from = peerIdFromPublicKey(checkEnvelope(envelope))
      const status = await ctx.receive(from, envelope, { introduced: true })
      if (DONE.has(status)) done.push(item.id)
    } catch (err) {
      // not for us or not readable: it will never be, let the relay drop it
      ctx.log('mailbox envelope %s from %p unreadable - %e', item.id, relay, err)
      done.push(item.id)
    }
  }
  return done
}
