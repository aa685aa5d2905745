import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import { sha256 } from '@noble/hashes/sha2.js'
import { concat } from 'uint8arrays/concat'
import { equals } from 'uint8arrays/equals'
import { SEALED_SIZES } from '../dm/sealed.ts'
import {
  DEFAULT_MAX_QUEUES, DEFAULT_QUEUE_RATE, DEFAULT_QUOTA_BYTES, DEFAULT_QUOTA_MESSAGES, DEFAULT_TOTAL_QUOTA_BYTES,
  DEFAULT_TOTAL_QUOTA_MESSAGES, DEFAULT_TTL_MS, FETCH_BYTES, FETCH_LIMIT, LEGACY_PROTOCOL, MAX_CLOCK_SKEW_MS, MAX_ENVELOPE_BYTES,
  MAX_INBOUND_STREAMS, MAX_MESSAGE_BYTES, MAX_OUTBOUND_STREAMS, MAX_PREKEYS_BYTES, OPENS_PER_MINUTE, PREKEYS_PER_MINUTE,
  PROTOCOL, QUEUE_ID_BYTES, QUEUE_IDLE_MS, SIGNING_DOMAIN, TIMEOUT, TOKEN_BYTES
} from './constants.ts'
import { LegacyMailboxError, MailboxProtocolError, MailboxRefusedError } from './errors.ts'
import { MailboxRequest, MailboxResponse, MailboxStatus, type FetchMany, type Item } from './pb/mailbox.ts'
import { SenderRateLimit } from './rate-limit.ts'
import { checkWork, solveWork, workBitsFor } from './work.ts'
import type { FetchedEnvelope, FetchedMany, Mailbox, MailboxComponents, MailboxInit, MailboxStore, QueueKeys, QueueRecord, QueueRef, Usage } from './index.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
const EXPIRE_EVERY_MS = 60 * 60_000
const DAY = 24 * 3600_000
const DOMAIN = new TextEncoder().encode(SIGNING_DOMAIN)

/** What the queue key signs: the domain, the relay it is meant for, the request without its signature. */
export function signedBytes (relay: PeerId, request: MailboxRequest): Uint8Array {
  return concat([DOMAIN, relay.toMultihash().bytes, MailboxRequest.encode({ ...request, signature: new Uint8Array(0) })])
}

const empty = (status: MailboxStatus): MailboxResponse => ({ status, items: [], more: false, prekeys: new Uint8Array(0), moreQueues: [], deniedQueues: [], workBits: 0 })

export class MailboxService implements Mailbox, Startable {
  readonly protocol: string
  private readonly components: MailboxComponents
  private readonly init: MailboxInit
  private readonly log: Logger
  private readonly timeout: number
  /** deposits per queue */
  private readonly rate: SenderRateLimit
  private readonly prekeysRate = new SenderRateLimit(PREKEYS_PER_MINUTE)
  /** opens per connected peer: in memory only */
  private readonly opensRate = new SenderRateLimit(OPENS_PER_MINUTE)
  private expireTimer?: ReturnType<typeof setInterval>
  private readonly self: PeerId

  constructor (components: MailboxComponents, init: MailboxInit = {}) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('hyphae:mailbox')
    this.protocol = init.protocol ?? PROTOCOL
    this.timeout = init.timeout ?? TIMEOUT
    this.rate = new SenderRateLimit(init.queueRate ?? DEFAULT_QUEUE_RATE)
    this.self = peerIdFromPrivateKey(components.privateKey)
  }

  readonly [Symbol.toStringTag] = '@hyphae/mailbox'

  async start (): Promise<void> {
    // clients only ask; only a node with a store serves
    if (this.init.store == null) return
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS
    })
    await this.components.registrar.handle(LEGACY_PROTOCOL, this.handleLegacy, { maxInboundStreams: 2, maxOutboundStreams: 0 })
    const expire = (): void => {
      const now = Date.now()
      void this.init.store?.expire(now - (this.init.ttlMs ?? DEFAULT_TTL_MS), now, now - QUEUE_IDLE_MS)
        .then(n => { if (n > 0) this.init.onEvent?.('refused', { reason: `expired ${n}` }) }, err => { this.log.error('expiry failed - %e', err) })
    }
    expire()
    this.expireTimer = setInterval(expire, EXPIRE_EVERY_MS)
    this.expireTimer.unref?.()
  }

  async stop (): Promise<void> {
    clearInterval(this.expireTimer)
    if (this.init.store != null) {
      await this.components.registrar.unhandle(this.protocol)
      await this.components.registrar.unhandle(LEGACY_PROTOCOL)
    }
  }

  /** 1.0.0 clients get UNAVAILABLE (the same field and value in both versions): "no mailboxes here". */
  private readonly handleLegacy = async (stream: Stream): Promise<void> => {
    try {
      const signal = AbortSignal.timeout(this.timeout)
      await pbStream(stream).write(empty(MailboxStatus.UNAVAILABLE), MailboxResponse, { signal })
      await stream.close({ signal })
      this.init.onEvent?.('refused', { reason: 'protocol 1.0.0' })
    } catch (err: any) {
      stream.abort(err)
    }
  }

  private readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(this.timeout)
    const pb = pbStream(stream, { maxDataLength: MAX_ENVELOPE_BYTES + 1024 })
    try {
      const request = await pb.read(MailboxRequest, { signal })
      const response = await this.serve(request, connection.remotePeer.toString())
      await pbStream(pb.unwrap(), { maxDataLength: MAX_MESSAGE_BYTES }).write(response, MailboxResponse, { signal })
      await stream.close({ signal })
    } catch (err: any) {
      // no peer id in what a relay logs
      this.log('mailbox request failed - %s', err?.name ?? 'error')
      this.init.onEvent?.('refused', { reason: err?.name ?? 'error' })
      stream.abort(err)
    }
  }

  private refuse (status: MailboxStatus, reason: string): MailboxResponse {
    this.init.onEvent?.('refused', { reason })
    return empty(status)
  }

  /** The owner's signature over a fresh request: true when it verifies against the queue's key. */
  private async signedByOwner (request: MailboxRequest, key: Uint8Array): Promise<boolean> {
    if (Math.abs(Date.now() - Number(request.timestamp)) > MAX_CLOCK_SKEW_MS) return false
    try {
      return await publicKeyFromRaw(key).verify(signedBytes(this.self, request), request.signature)
    } catch {
      return false
    }
  }

  /** `from` only keys an in-memory rate limit on opens; it is never stored or logged. */
  private async serve (request: MailboxRequest, from: string): Promise<MailboxResponse> {
    const store = this.init.store
    if (store == null) return this.refuse(MailboxStatus.UNAVAILABLE, 'no store')
    if (request.fetchMany != null) return this.serveFetchMany(store, request.fetchMany)
    if (request.queue.byteLength !== QUEUE_ID_BYTES) return this.refuse(MailboxStatus.INVALID, 'bad queue id')
    const queue = hex(request.queue)
    if (request.open != null) {
      const { key, depositHash } = request.open
      if (!this.opensRate.allow(from)) return this.refuse(MailboxStatus.RATE_LIMITED, 'opens')
      if (key.byteLength !== 32 || depositHash.byteLength !== 32) return this.refuse(MailboxStatus.INVALID, 'bad open')
      // the key in the request signs it: a queue is claimed by whoever holds its key
      if (!(await this.signedByOwner(request, key))) return this.refuse(MailboxStatus.DENIED, 'open not signed')
      const held = await store.getQueue(queue)
      if (held != null && !(equals(held.key, key) && equals(held.depositHash, depositHash))) return this.refuse(MailboxStatus.DENIED, 'queue taken')
      if (held == null) {
        const count = await store.queueCount()
        const max = this.init.maxQueues ?? DEFAULT_MAX_QUEUES
        if (count >= max) return this.refuse(MailboxStatus.FULL, 'queues full')
        // a new queue on a filling relay costs work: a Sybil's flood of opens pays for each
        const workBits = workBitsFor(count, max)
        if (!checkWork(this.self, request.queue, key, request.open.work, workBits)) return { ...this.refuse(MailboxStatus.WORK, 'no work'), workBits }
      }
      const seenAt = Math.floor(Date.now() / DAY) * DAY
      if (held == null || held.seenAt !== seenAt) await store.putQueue(queue, { key: Uint8Array.from(key), depositHash: Uint8Array.from(depositHash), seenAt })
      if (held == null) this.init.onEvent?.('open', {})
      return empty(MailboxStatus.OK)
    }
    const held = await store.getQueue(queue)
    if (request.deposit != null || request.fetchPrekeys != null) {
      const token = request.deposit?.token ?? request.fetchPrekeys?.token ?? new Uint8Array(0)
      // the capability the owner handed out: without it a queue id is worth nothing
      if (held == null || token.byteLength !== TOKEN_BYTES || !equals(sha256(token), held.depositHash)) return this.refuse(MailboxStatus.DENIED, 'no capability')
      if (request.fetchPrekeys != null) {
        const bundle = await store.getPrekeys(queue)
        return { ...empty(MailboxStatus.OK), prekeys: (bundle ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> }
      }
      const { envelope, expiresAt } = request.deposit!
      if (!this.rate.allow(queue)) return this.refuse(MailboxStatus.RATE_LIMITED, 'rate')
      if (envelope.byteLength > MAX_ENVELOPE_BYTES) return this.refuse(MailboxStatus.TOO_LARGE, 'too large')
      // only padded boxes: an unpadded one would tell its size, and every client pads
      if (!SEALED_SIZES.has(envelope.byteLength)) return this.refuse(MailboxStatus.INVALID, 'not padded')
      const now = Date.now()
      const ttl = this.init.ttlMs ?? DEFAULT_TTL_MS
      const expiry = expiresAt === 0n ? now + ttl : Number(expiresAt < BigInt(now + ttl) ? expiresAt : BigInt(now + ttl))
      if (expiry <= now) return this.refuse(MailboxStatus.INVALID, 'expired')
      const full = await this.full(store, queue, envelope.byteLength)
      if (full != null) return this.refuse(MailboxStatus.FULL, full)
      if (await store.put(queue, { id: hex(sha256(envelope).subarray(0, 16)), envelope: Uint8Array.from(envelope), storedAt: now, expiresAt: expiry })) {
        this.init.onEvent?.('deposit', { bytes: envelope.byteLength })
      }
      return empty(MailboxStatus.OK)
    }
    // the owner's requests: signed with the queue's key
    if (held == null || !(await this.signedByOwner(request, held.key))) return this.refuse(MailboxStatus.DENIED, 'not the owner')
    if (request.fetch != null) {
      const limit = Math.max(1, Math.min(request.fetch.limit || FETCH_LIMIT, FETCH_LIMIT))
      const { items, more } = await this.take(store, queue, held, limit, FETCH_BYTES)
      this.init.onEvent?.('fetch', { count: items.length })
      return { ...empty(MailboxStatus.OK), items, more }
    }
    if (request.delete != null) {
      const count = await store.delete(queue, request.delete.ids.map(hex))
      this.init.onEvent?.('delete', { count })
      return empty(MailboxStatus.OK)
    }
    if (request.close != null) {
      const count = await store.deleteQueue(queue)
      this.init.onEvent?.('delete', { count })
      return empty(MailboxStatus.OK)
    }
    if (request.publishPrekeys != null) {
      const { bundle } = request.publishPrekeys
      if (!this.prekeysRate.allow(queue)) return this.refuse(MailboxStatus.RATE_LIMITED, 'rate')
      if (bundle.byteLength === 0 || bundle.byteLength > MAX_PREKEYS_BYTES) return this.refuse(MailboxStatus.TOO_LARGE, 'prekeys size')
      await store.putPrekeys(queue, Uint8Array.from(bundle))
      return empty(MailboxStatus.OK)
    }
    return this.refuse(MailboxStatus.INVALID, 'empty request')
  }

  /**
   * Up to `limit` boxes and `bytes` (always at least one box) from `queue`, marking it seen; `more`
   * when some are left.
   */
  private async take (store: MailboxStore, queue: string, held: QueueRecord, limit: number, bytes: number): Promise<{ items: Item[], more: boolean }> {
    const entries = await store.list(queue, limit + 1)
    const now = Date.now()
    let size = 0
    let taken = 0
    while (taken < Math.min(limit, entries.length) && (taken === 0 || size + entries[taken].envelope.byteLength <= bytes)) size += entries[taken++].envelope.byteLength
    const seenAt = Math.floor(now / DAY) * DAY
    if (held.seenAt !== seenAt) await store.putQueue(queue, { ...held, seenAt })
    const id = Uint8Array.from(Buffer.from(queue, 'hex'))
    const items = entries.slice(0, taken).filter(e => e.expiresAt > now)
      .map(e => ({ id: Uint8Array.from(Buffer.from(e.id, 'hex')), envelope: e.envelope as Uint8Array<ArrayBuffer>, queue: id }))
    return { items, more: entries.length > taken }
  }

  /**
   * One request for many queues (an owner with a queue per contact): each is checked as its own
   * Fetch would be (one signature each, at most 256), and the boxes of all share one response's
   * FETCH_LIMIT and FETCH_BYTES.
   */
  private async serveFetchMany (store: MailboxStore, request: FetchMany): Promise<MailboxResponse> {
    const limit = Math.max(1, Math.min(request.limit || FETCH_LIMIT, FETCH_LIMIT))
    const response = empty(MailboxStatus.OK)
    let bytes = 0
    for (const { queue: id, timestamp, signature } of request.queues) {
      const held = id.byteLength === QUEUE_ID_BYTES ? await store.getQueue(hex(id)) : undefined
      if (held == null || !(await this.signedByOwner({ queue: id, timestamp, signature, fetch: { limit: request.limit } }, held.key))) {
        response.deniedQueues.push(id)
        continue
      }
      if (response.items.length >= limit || bytes >= FETCH_BYTES) { response.moreQueues.push(id); continue }
      const { items, more } = await this.take(store, hex(id), held, limit - response.items.length, FETCH_BYTES - bytes)
      // a first box past the budget waits for the next request
      if (response.items.length > 0 && items.length > 0 && bytes + items[0].envelope.byteLength > FETCH_BYTES) { response.moreQueues.push(id); continue }
      response.items.push(...items)
      bytes += items.reduce((n, i) => n + i.envelope.byteLength, 0)
      if (more) response.moreQueues.push(id)
    }
    if (response.deniedQueues.length > 0) this.init.onEvent?.('refused', { reason: `fetch-many: ${response.deniedQueues.length} not the owner's` })
    this.init.onEvent?.('fetch', { count: response.items.length })
    return response
  }

  /** Which quota one more envelope of `bytes` would break, if any. */
  private async full (store: MailboxStore, queue: string, bytes: number): Promise<string | undefined> {
    const over = (usage: Usage, messages: number, maxBytes: number): boolean => usage.messages + 1 > messages || usage.bytes + bytes > maxBytes
    if (over(await store.usage(queue), this.init.quotaMessages ?? DEFAULT_QUOTA_MESSAGES, this.init.quotaBytes ?? DEFAULT_QUOTA_BYTES)) return 'full'
    if (over(await store.totalUsage(), this.init.totalQuotaMessages ?? DEFAULT_TOTAL_QUOTA_MESSAGES, this.init.totalQuotaBytes ?? DEFAULT_TOTAL_QUOTA_BYTES)) return 'relay full'
    return undefined
  }

  private async request (relay: PeerId, request: MailboxRequest, options: AbortOptions = {}): Promise<MailboxResponse> {
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    let stream: Stream
    try {
      stream = await this.components.connectionManager.openStream(relay, this.protocol, { signal })
    } catch (err: any) {
      if (err?.name === 'UnsupportedProtocolError') throw new LegacyMailboxError(`${relay.toString()} does not speak ${this.protocol} (an older relay, mailboxes by peer id): it cannot hold our mail`)
      throw err
    }
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
      await pb.write(request, MailboxRequest, { signal })
      const response = await pb.read(MailboxResponse, { signal })
      await stream.close({ signal })
      return response
    } catch (err: any) {
      stream.abort(err)
      throw new MailboxProtocolError(`mailbox request to ${relay.toString()} failed: ${err?.message ?? err}`)
    }
  }

  /** A request of the queue's owner, signed for `relay`. */
  private async owned (relay: PeerId, queue: QueueKeys, request: Omit<MailboxRequest, 'queue' | 'timestamp' | 'signature'>, options?: AbortOptions): Promise<MailboxResponse> {
    const full: MailboxRequest = { ...request, queue: queue.id as Uint8Array<ArrayBuffer>, timestamp: BigInt(Date.now()), signature: new Uint8Array(0) }
    full.signature = await queue.key.sign(signedBytes(relay, full)) as Uint8Array<ArrayBuffer>
    const response = await this.request(relay, full, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status, response.workBits)
    return response
  }

  async open (relay: PeerId, queue: QueueKeys, options?: AbortOptions): Promise<void> {
    const key = queue.key.publicKey.raw as Uint8Array<ArrayBuffer>
    const open = { key, depositHash: sha256(queue.token) as Uint8Array<ArrayBuffer>, work: new Uint8Array(0) }
    try {
      await this.owned(relay, queue, { open }, options)
    } catch (err: any) {
      if (!(err instanceof MailboxRefusedError && err.status === MailboxStatus.WORK)) throw err
      // once: the relay said how much it wants now
      await this.owned(relay, queue, { open: { ...open, work: solveWork(relay, queue.id, key, err.workBits) as Uint8Array<ArrayBuffer> } }, options)
    }
  }

  async deposit (relay: PeerId, queue: QueueRef, envelope: Uint8Array, options: AbortOptions & { expiresAt?: number } = {}): Promise<void> {
    const response = await this.request(relay, {
      queue: queue.id as Uint8Array<ArrayBuffer>,
      timestamp: 0n,
      signature: new Uint8Array(0),
      deposit: { token: queue.token as Uint8Array<ArrayBuffer>, envelope: envelope as Uint8Array<ArrayBuffer>, expiresAt: BigInt(options.expiresAt ?? 0) }
    }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
  }

  async fetch (relay: PeerId, queue: QueueKeys, options?: AbortOptions): Promise<{ items: FetchedEnvelope[], more: boolean }> {
    const response = await this.owned(relay, queue, { fetch: { limit: FETCH_LIMIT } }, options)
    return { items: response.items.map(i => ({ id: hex(i.id), envelope: i.envelope })), more: response.more }
  }

  async fetchMany (relay: PeerId, queues: QueueKeys[], options?: AbortOptions): Promise<FetchedMany> {
    const signed = await Promise.all(queues.map(async queue => {
      const one: MailboxRequest = { queue: queue.id as Uint8Array<ArrayBuffer>, timestamp: BigInt(Date.now()), signature: new Uint8Array(0), fetch: { limit: FETCH_LIMIT } }
      return { queue: one.queue, timestamp: one.timestamp, signature: await queue.key.sign(signedBytes(relay, one)) as Uint8Array<ArrayBuffer> }
    }))
    const response = await this.request(relay, { queue: new Uint8Array(0), timestamp: 0n, signature: new Uint8Array(0), fetchMany: { queues: signed, limit: FETCH_LIMIT } }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
    return {
      items: response.items.map(i => ({ id: hex(i.id), envelope: i.envelope, queue: hex(i.queue) })),
      more: response.moreQueues.map(hex),
      denied: response.deniedQueues.map(hex)
    }
  }

  async publishPrekeys (relay: PeerId, queue: QueueKeys, bundle: Uint8Array, options?: AbortOptions): Promise<void> {
    await this.owned(relay, queue, { publishPrekeys: { bundle: bundle as Uint8Array<ArrayBuffer> } }, options)
  }

  async fetchPrekeys (relay: PeerId, queue: QueueRef, options?: AbortOptions): Promise<Uint8Array | undefined> {
    const response = await this.request(relay, { queue: queue.id as Uint8Array<ArrayBuffer>, timestamp: 0n, signature: new Uint8Array(0), fetchPrekeys: { token: queue.token as Uint8Array<ArrayBuffer> } }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
    return response.prekeys.byteLength > 0 ? response.prekeys : undefined
  }

  async close (relay: PeerId, queue: QueueKeys, options?: AbortOptions): Promise<void> {
    await this.owned(relay, queue, { close: {} }, options)
  }

  async delete (relay: PeerId, queue: QueueKeys, ids: string[], options?: AbortOptions): Promise<void> {
    for (let i = 0; i < ids.length; i += 1024) {
      await this.owned(relay, queue, { delete: { ids: ids.slice(i, i + 1024).map(id => Uint8Array.from(Buffer.from(id, 'hex'))) } }, options)
    }
  }
}
