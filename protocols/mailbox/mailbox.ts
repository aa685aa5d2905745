import { peerIdFromMultihash, peerIdFromPrivateKey, peerIdFromPublicKey } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import * as Digest from 'multiformats/hashes/digest'
import { checkEnvelope, checkIntroduction, Envelope, Introduction, INTRODUCTION_BITS, INTRODUCTION_MAX_AGE, Lru, mintIntroduction } from '../dm/index.ts'
import {
  DEFAULT_DEPOSITOR_QUOTA_BYTES, DEFAULT_DEPOSITOR_QUOTA_MESSAGES, DEFAULT_QUOTA_BYTES, DEFAULT_QUOTA_MESSAGES,
  DEFAULT_SENDER_RATE, DEFAULT_TOTAL_QUOTA_BYTES, DEFAULT_TOTAL_QUOTA_MESSAGES, DEFAULT_TTL_MS, FETCH_LIMIT,
  MAX_ENVELOPE_BYTES, MAX_INBOUND_STREAMS, MAX_MESSAGE_BYTES, MAX_OUTBOUND_STREAMS, MAX_PREKEYS_BYTES, PREKEYS_PER_MINUTE, PROTOCOL, TIMEOUT
} from './constants.ts'
import { MailboxProtocolError, MailboxRefusedError } from './errors.ts'
import { MailboxRequest, MailboxResponse, MailboxStatus } from './pb/mailbox.ts'
import { SenderRateLimit } from './rate-limit.ts'
import type { Mailbox, MailboxComponents, MailboxInit, Usage } from './index.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
const EXPIRE_EVERY_MS = 60 * 60_000

export class MailboxService implements Mailbox, Startable {
  readonly protocol: string
  private readonly components: MailboxComponents
  private readonly init: MailboxInit
  private readonly log: Logger
  private readonly timeout: number
  private readonly rate: SenderRateLimit
  /** prekey publishes, apart from deposits: a node leaves its bundle once per relay it meets */
  private readonly prekeysRate = new SenderRateLimit(PREKEYS_PER_MINUTE)
  private expireTimer?: ReturnType<typeof setInterval>
  /** our introductions, per recipient (minting one costs ~2^bits hashes) */
  private readonly introductions = new Lru<Introduction>(1024)
  private readonly introductionBits: number

  constructor (components: MailboxComponents, init: MailboxInit = {}) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('hyphae:mailbox')
    this.protocol = init.protocol ?? PROTOCOL
    this.timeout = init.timeout ?? TIMEOUT
    this.rate = new SenderRateLimit(init.senderRate ?? DEFAULT_SENDER_RATE)
    this.introductionBits = init.introductionBits ?? INTRODUCTION_BITS
  }

  readonly [Symbol.toStringTag] = '@hyphae/mailbox'

  async start (): Promise<void> {
    // clients only ask; only a node with a store serves
    if (this.init.store == null) return
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS
    })
    const expire = (): void => {
      void this.init.store?.expire(Date.now() - (this.init.ttlMs ?? DEFAULT_TTL_MS))
        .then(n => { if (n > 0) this.init.onEvent?.('refused', { reason: `expired ${n}` }) }, err => { this.log.error('expiry failed - %e', err) })
    }
    expire()
    this.expireTimer = setInterval(expire, EXPIRE_EVERY_MS)
    this.expireTimer.unref?.()
  }

  async stop (): Promise<void> {
    clearInterval(this.expireTimer)
    if (this.init.store != null) await this.components.registrar.unhandle(this.protocol)
  }

  private readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(this.timeout)
    const pb = pbStream(stream, { maxDataLength: MAX_ENVELOPE_BYTES + 1024 })
    try {
      const request = await pb.read(MailboxRequest, { signal })
      const response = await this.serve(request, connection.remotePeer)
      await pbStream(pb.unwrap(), { maxDataLength: MAX_MESSAGE_BYTES }).write(response, MailboxResponse, { signal })
      await stream.close({ signal })
    } catch (err: any) {
      this.log('mailbox request from %p failed - %e', connection.remotePeer, err)
      this.init.onEvent?.('refused', { reason: err?.name ?? 'error' })
      stream.abort(err)
    }
  }

  private refuse (status: MailboxStatus, reason: string): MailboxResponse {
    this.init.onEvent?.('refused', { reason })
    return { status, envelopes: [], more: false, prekeys: new Uint8Array(0) }
  }

  private async serve (request: MailboxRequest, from: PeerId): Promise<MailboxResponse> {
    const store = this.init.store
    if (store == null) return this.refuse(MailboxStatus.UNAVAILABLE, 'no store')
    const peer = from.toString()
    if (request.deposit != null) {
      const { recipient, envelope } = request.deposit
      if (!this.rate.allow(peer)) return this.refuse(MailboxStatus.RATE_LIMITED, 'rate')
      if (envelope.byteLength > MAX_ENVELOPE_BYTES) return this.refuse(MailboxStatus.TOO_LARGE, 'too large')
      let id: string
      let to: string
      try {
        const recipientId = peerIdFromMultihash(Digest.decode(recipient))
        to = recipientId.toString()
        // the recipient never meets the depositor: this relay, which it chose, checks the work
        if (!checkIntroduction(Introduction.decode(request.deposit.introduction), from, recipientId, this.introductionBits)) throw new Error('no introduction')
        const decoded = Envelope.decode(envelope)
        // its shape and the author it names: under the ratchet nothing else outside the recipient
        // can be checked (no signature, by design); the depositor (proved by Noise) must be that
        // author, so each deposit counts against its sender's quota and rate
        const author = checkEnvelope(decoded)
        if (!peerIdFromPublicKey(author).equals(from)) throw new Error('not the author')
        id = hex(decoded.id)
      } catch {
        return this.refuse(MailboxStatus.INVALID, 'invalid envelope')
      }
      const full = await this.full(store, to, peer, envelope.byteLength)
      if (full != null) return this.refuse(MailboxStatus.FULL, full)
      if (await store.put(to, { id, envelope: Uint8Array.from(envelope), storedAt: Date.now(), sender: peer })) {
        this.init.onEvent?.('deposit', { recipient: to, bytes: envelope.byteLength })
      }
      return { status: MailboxStatus.OK, envelopes: [], more: false, prekeys: new Uint8Array(0) }
    }
    if (request.fetch != null) {
      const limit = Math.max(1, Math.min(request.fetch.limit || FETCH_LIMIT, FETCH_LIMIT))
      const ttl = this.init.ttlMs ?? DEFAULT_TTL_MS
      const entries = await store.list(peer, limit + 1)
      const fresh = entries.slice(0, limit).filter(e => Date.now() - e.storedAt < ttl)
      this.init.onEvent?.('fetch', { recipient: peer, count: fresh.length })
      return { status: MailboxStatus.OK, envelopes: fresh.map(e => e.envelope as Uint8Array<ArrayBuffer>), more: entries.length > limit, prekeys: new Uint8Array(0) }
    }
    if (request.publishPrekeys != null) {
      const { bundle } = request.publishPrekeys
      if (store.putPrekeys == null) return this.refuse(MailboxStatus.UNAVAILABLE, 'no prekeys store')
      if (!this.prekeysRate.allow(peer)) return this.refuse(MailboxStatus.RATE_LIMITED, 'rate')
      if (bundle.byteLength === 0 || bundle.byteLength > MAX_PREKEYS_BYTES) return this.refuse(MailboxStatus.TOO_LARGE, 'prekeys size')
      // only the recipient itself leaves its bundle (the stream's remote peer); senders check its signatures
      await store.putPrekeys(peer, Uint8Array.from(bundle))
      return { status: MailboxStatus.OK, envelopes: [], more: false, prekeys: new Uint8Array(0) }
    }
    if (request.fetchPrekeys != null) {
      if (store.getPrekeys == null) return this.refuse(MailboxStatus.UNAVAILABLE, 'no prekeys store')
      let to: string
      try {
        to = peerIdFromMultihash(Digest.decode(request.fetchPrekeys.recipient)).toString()
      } catch {
        return this.refuse(MailboxStatus.INVALID, 'bad recipient')
      }
      const bundle = await store.getPrekeys(to)
      return { status: MailboxStatus.OK, envelopes: [], more: false, prekeys: (bundle ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer> }
    }
    if (request.delete != null) {
      const count = await store.delete(peer, request.delete.ids.map(hex))
      this.init.onEvent?.('delete', { recipient: peer, count })
      return { status: MailboxStatus.OK, envelopes: [], more: false, prekeys: new Uint8Array(0) }
    }
    return this.refuse(MailboxStatus.INVALID, 'empty request')
  }

  /** Which quota one more envelope of `bytes` would break, if any. */
  private async full (store: NonNullable<MailboxInit['store']>, recipient: string, depositor: string, bytes: number): Promise<string | undefined> {
    const over = (usage: Usage, messages: number, maxBytes: number): boolean => usage.messages + 1 > messages || usage.bytes + bytes > maxBytes
    if (over(await store.usage(recipient), this.init.quotaMessages ?? DEFAULT_QUOTA_MESSAGES, this.init.quotaBytes ?? DEFAULT_QUOTA_BYTES)) return 'full'
    if (over(await store.depositorUsage(depositor), this.init.depositorQuotaMessages ?? DEFAULT_DEPOSITOR_QUOTA_MESSAGES, this.init.depositorQuotaBytes ?? DEFAULT_DEPOSITOR_QUOTA_BYTES)) return 'depositor full'
    if (over(await store.totalUsage(), this.init.totalQuotaMessages ?? DEFAULT_TOTAL_QUOTA_MESSAGES, this.init.totalQuotaBytes ?? DEFAULT_TOTAL_QUOTA_BYTES)) return 'relay full'
    return undefined
  }

  private async introduction (recipient: PeerId): Promise<Introduction> {
    const key = recipient.toString()
    const kept = this.introductions.get(key)
    if (kept != null && Date.now() - Number(kept.timestamp) < INTRODUCTION_MAX_AGE / 2) return kept
    const fresh = await mintIntroduction(peerIdFromPrivateKey(this.components.privateKey), recipient, this.introductionBits)
    this.introductions.set(key, fresh)
    return fresh
  }

  private async request (relay: PeerId, request: MailboxRequest, options: AbortOptions = {}): Promise<MailboxResponse> {
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    const stream = await this.components.connectionManager.openStream(relay, this.protocol, { signal })
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

  async deposit (relay: PeerId, recipient: PeerId, envelope: Uint8Array, options?: AbortOptions): Promise<void> {
    const introduction = Introduction.encode(await this.introduction(recipient))
    const response = await this.request(relay, { deposit: { recipient: recipient.toMultihash().bytes as Uint8Array<ArrayBuffer>, envelope: envelope as Uint8Array<ArrayBuffer>, introduction } }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
  }

  async fetch (relay: PeerId, options?: AbortOptions): Promise<{ envelopes: Uint8Array[], more: boolean }> {
    const response = await this.request(relay, { fetch: { limit: FETCH_LIMIT } }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
    return { envelopes: response.envelopes, more: response.more }
  }

  async publishPrekeys (relay: PeerId, bundle: Uint8Array, options?: AbortOptions): Promise<void> {
    const response = await this.request(relay, { publishPrekeys: { bundle: bundle as Uint8Array<ArrayBuffer> } }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
  }

  async fetchPrekeys (relay: PeerId, recipient: PeerId, options?: AbortOptions): Promise<Uint8Array | undefined> {
    const response = await this.request(relay, { fetchPrekeys: { recipient: recipient.toMultihash().bytes as Uint8Array<ArrayBuffer> } }, options)
    if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
    return response.prekeys.byteLength > 0 ? response.prekeys : undefined
  }

  async delete (relay: PeerId, ids: string[], options?: AbortOptions): Promise<void> {
    for (let i = 0; i < ids.length; i += 1024) {
      const response = await this.request(relay, { delete: { ids: ids.slice(i, i + 1024).map(id => Uint8Array.from(Buffer.from(id, 'hex'))) } }, options)
      if (response.status !== MailboxStatus.OK) throw new MailboxRefusedError(response.status)
    }
  }
}
