import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Lru } from '../../protocols/dm/lru.ts'
import { relaysOf } from './relay-addresses.ts'
import { isDhtServer } from './dht-privacy.ts'
import type { MetaStore } from '../store/meta-store.ts'
import type { HyphaeServices } from './services.ts'
import type { Connection, IdentifyResult, Libp2p, PeerId, PeerInfo } from '@libp2p/interface'

const LAST_SEEN = 'hyphae/last-seen'
/** how many remembered peers to dial at start */
const RECONNECT_COUNT = 8
const RECENT_PEERS = 'recent-peers'
const RECENT_PEERS_KEPT = 32
/**
 * The list of recent peers is written at most this often (and on stop), and a peer's last-seen
 * time at most once per LAST_SEEN_REWRITE_MS: each was an encrypted LevelDB write per connection,
 * which a DHT server starting among hundreds of peers made many times a second.
 */
const RECENT_FLUSH_MS = 10_000
const LAST_SEEN_REWRITE_MS = 60_000

interface RecentPeer { peerId: string, addrs: string[], at: number }
/** relay slots a node keeps: two, so that losing one relay leaves contacts a path and a mailbox */
const WANTED_RELAYS = 2
/** when to dial remembered peers: at start, then again while few of them answer */
const RECONNECT_RETRIES_MS = [0, 3_000, 10_000, 30_000]
/** below this many connections, a DHT server dials the peers its DHT traffic names */
const DISCOVERY_DIAL_BELOW = 32
const DIAL_TIMEOUT = 10_000
/** how often peers reached only through a relay are tried directly again */
const DIRECT_RETRY_MS = 15_000
const DHT_JOIN_TIMEOUT = 30_000
/** while the DHT join has not succeeded, it is tried again after this, doubling up to 5 min */
const REJOIN_FIRST_MS = 15_000
const REJOIN_MAX_MS = 5 * 60_000
/** libp2p's identify gives up after 5 s; a busy node's may need longer */
const IDENTIFY_AGAIN_TIMEOUT = 20_000
/** connections identified again per rejoin, and times per connection */
const IDENTIFY_AGAIN_MAX = 16
const IDENTIFY_AGAIN_TRIES = 3

/**
 * libp2p 3 no longer dials what it discovers, nor the peers it remembers. A messenger must: this
 * dials peers found by mDNS (the LAN during an internet cut) and, on start, the peers it was last
 * connected to, so a node comes back without any bootstrap node.
 */
export class PeerWarmup {
  private readonly libp2p: Libp2p<HyphaeServices>
  private readonly meta?: MetaStore
  private readonly controller = new AbortController()
  private directTimer?: ReturnType<typeof setInterval>
  private rejoinTimer?: ReturnType<typeof setTimeout>
  private rejoinWait = REJOIN_FIRST_MS
  /** a self-lookup has completed since start */
  private joined = false
  /** connections whose identify completed, and those identified again (how many times) */
  private readonly identified = new WeakSet<Connection>()
  private readonly identifyTries = new WeakMap<Connection, number>()
  /** the recent-peers list once read, with what is not written yet */
  private recent?: RecentPeer[]
  private recentLoading?: Promise<void>
  private recentDirty = false
  private recentTimer?: ReturnType<typeof setTimeout>
  /** when each peer's last-seen time was last written */
  private readonly lastSeenWritten = new Lru<number>(1024)

  constructor (libp2p: Libp2p<HyphaeServices>, meta?: MetaStore) {
    this.libp2p = libp2p
    this.meta = meta
  }

  start (options: { reconnect: boolean }): void {
    this.libp2p.addEventListener('peer:discovery', this.onDiscovery)
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.services.dht?.routingTable?.addEventListener('peer:add', this.onDhtPeerAdded)
    if (options.reconnect) void this.reconnectWithRetries()
    this.directTimer = setInterval(() => { void this.upgradeRelayed() }, DIRECT_RETRY_MS)
    this.directTimer.unref?.()
    this.scheduleRejoin()
  }

  private scheduleRejoin (): void {
    if (this.controller.signal.aborted) return
    this.rejoinTimer = setTimeout(() => { void this.rejoin().catch(() => {}).finally(() => { this.scheduleRejoin() }) }, this.rejoinWait)
    this.rejoinTimer.unref?.()
  }

  /**
   * kad-dht adds a server it connects to after one ping, and the warm-up looks itself up once,
   * when the table first holds a peer. Under load either can time out, and then nothing tries
   * again: nobody queries a DHT client, so no one else's traffic refills its table (a test
   * network of 50 on two busy cores left a few users with an empty table for good). So while a
   * connected DHT server is missing from the table, or no self-lookup has completed, add the
   * servers again and look ourselves up; while no server is connected and the table is empty,
   * redial the peers we know. The pause doubles from 15 s to 5 min.
   */
  async rejoin (): Promise<boolean> {
    const table = this.libp2p.services.dht?.routingTable
    if (table == null || this.controller.signal.aborted) return false
    await this.identifyAgain()
    const connected = new Set(this.libp2p.getConnections().map(c => c.remotePeer))
    if (table.size === 0 && ![...connected].some(peer => isDhtServer(this.libp2p.services.dht, peer))) {
      // every connection to a server failed or was dropped (a ping past its timeout on a busy
      // machine): redial the ones we know, as at start
      await this.reconnectKnownPeers().catch(() => {})
      this.rejoinWait = Math.min(this.rejoinWait * 2, REJOIN_MAX_MS)
      return true
    }
    const missing: PeerId[] = []
    for (const peer of connected) {
      if (isDhtServer(this.libp2p.services.dht, peer) && (await table.find(peer).catch(() => undefined)) == null) missing.push(peer)
    }
    if (missing.length === 0 && (this.joined || table.size === 0)) {
      this.rejoinWait = REJOIN_FIRST_MS
      return false
    }
    for (const peer of missing) await table.add(peer, { signal: AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT)]) }).catch(() => {})
    if (table.size > 0) await this.lookUpSelf().catch(() => {})
    this.rejoinWait = Math.min(this.rejoinWait * 2, REJOIN_MAX_MS)
    return true
  }

  /**
   * libp2p identifies a connection once, within 5 s. Under load that can time out, and then
   * the peer's protocols stay unknown: a DHT server is never taken for one (dht-privacy.ts), and
   * a client whose every server went unidentified keeps an empty routing table for good.
   */
  private async identifyAgain (): Promise<void> {
    const identify = this.libp2p.services.identify
    const unknown = this.libp2p.getConnections()
      .filter(c => c.status === 'open' && !this.identified.has(c) && (this.identifyTries.get(c) ?? 0) < IDENTIFY_AGAIN_TRIES)
      .slice(0, IDENTIFY_AGAIN_MAX)
    for (const c of unknown) this.identifyTries.set(c, (this.identifyTries.get(c) ?? 0) + 1)
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(IDENTIFY_AGAIN_TIMEOUT)])
    await Promise.all(unknown.map(async c => identify?.identify(c, { signal }).catch(() => {})))
  }

  /**
   * Dials the relays named in circuit addresses (a contact's invite) while this node holds fewer
   * than two relay slots: the relay transport takes a slot on any relay it is connected to. A
   * node started with no bootstrap list meets its relays this way, through its contacts.
   */
  async meetRelays (addrs: string[]): Promise<number> {
    const held = new Set(relaysOf(this.libp2p.getMultiaddrs()).map(r => r.peerId.toString()))
    let dialled = 0
    for (const relay of relaysOf(addrs)) {
      if (held.size + dialled >= WANTED_RELAYS || this.controller.signal.aborted) break
      if (held.has(relay.peerId.toString()) || relay.peerId.equals(this.libp2p.peerId)) continue
      if (this.libp2p.getConnections(relay.peerId).length > 0) continue
      await this.dial(relay.addr)
      if (this.libp2p.getConnections(relay.peerId).length > 0) dialled++
    }
    return dialled
  }

  /**
   * A peer reached only through a relay (a block, a NAT) is dialled directly again from time to
   * time: when the block lifts, traffic moves off the relay. DCUtR covers the NAT case when it
   * can; this covers a path that simply came back.
   */
  async upgradeRelayed (): Promise<number> {
    let upgraded = 0
    const direct = new Set<string>()
    const relayed = new Map<string, PeerId>()
    for (const conn of this.libp2p.getConnections()) {
      if (conn.remoteAddr.getComponents().some(c => c.name === 'p2p-circuit')) relayed.set(conn.remotePeer.toString(), conn.remotePeer)
      else direct.add(conn.remotePeer.toString())
    }
    for (const [key, peer] of relayed) {
      if (direct.has(key) || this.controller.signal.aborted) continue
      const addrs = await this.libp2p.peerStore.get(peer).then(p => p.addresses.map(a => a.multiaddr), () => [])
      const directAddrs = addrs.filter(a => !a.getComponents().some(c => c.name === 'p2p-circuit'))
      if (directAddrs.length === 0) continue
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT)])
      try {
        await this.libp2p.dial(directAddrs.map(a => a.getComponents().some(c => c.name === 'p2p') ? a : a.encapsulate(`/p2p/${peer.toString()}`)), { signal, force: true })
        upgraded++
      } catch {}
    }
    return upgraded
  }

  stop (): void {
    this.controller.abort()
    clearInterval(this.directTimer)
    clearTimeout(this.rejoinTimer)
    clearTimeout(this.recentTimer)
    this.libp2p.removeEventListener('peer:discovery', this.onDiscovery)
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.services.dht?.routingTable?.removeEventListener('peer:add', this.onDhtPeerAdded)
  }

  /**
   * kad-dht looks itself up once, 1 s after start, then every 5 minutes. A node whose first DHT
   * peer takes longer than that to connect would know only that peer, and nobody else would
   * learn of it, for 5 minutes. So join (look ourselves up) whenever the table stops being empty.
   */
  private readonly onDhtPeerAdded = (): void => {
    if (this.controller.signal.aborted || this.libp2p.services.dht.routingTable.size !== 1) return
    void this.lookUpSelf().catch(() => {})
  }

  private async lookUpSelf (): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DHT_JOIN_TIMEOUT)])
    for await (const _ of this.libp2p.peerRouting.getClosestPeers(this.libp2p.peerId.toMultihash().bytes, { signal })) {
      // the walk itself is the point: the peers it meets are discovered (and dialled) as it goes
    }
    this.joined = true
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    const now = Date.now()
    const id = evt.detail.toString()
    if (now - (this.lastSeenWritten.get(id) ?? 0) < LAST_SEEN_REWRITE_MS) return
    this.lastSeenWritten.set(id, now)
    const stamp = new TextEncoder().encode(String(now))
    void this.libp2p.peerStore.merge(evt.detail, { metadata: { [LAST_SEEN]: stamp } }).catch(() => {})
  }

  /**
   * Our own short list of the peers last connected and their listen addresses, beside the peer
   * store: in tests a restarted node sometimes found a peer's record gone from libp2p's peer
   * store, and coming back after a restart must not depend on that.
   */
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    this.identified.add(evt.detail.connection)
    if (this.meta == null || this.controller.signal.aborted) return
    const entry = { peerId: evt.detail.peerId.toString(), addrs: evt.detail.listenAddrs.map(a => a.toString()).slice(0, 8), at: Date.now() }
    void this.noteRecent(entry).catch(() => {})
  }

  private async noteRecent (entry: RecentPeer): Promise<void> {
    const meta = this.meta
    if (meta == null) return
    this.recentLoading ??= meta.getJSON<RecentPeer[]>(RECENT_PEERS).then(list => { this.recent ??= list ?? [] }, () => { this.recent ??= [] })
    await this.recentLoading
    this.recent = [entry, ...(this.recent ?? []).filter(p => p.peerId !== entry.peerId)].slice(0, RECENT_PEERS_KEPT)
    this.recentDirty = true
    if (this.recentTimer == null && !this.controller.signal.aborted) {
      this.recentTimer = setTimeout(() => {
        this.recentTimer = undefined
        void this.flushRecent().catch(() => {})
      }, RECENT_FLUSH_MS)
      this.recentTimer.unref?.()
    }
  }

  /** Writes the recent-peers list if it changed since the last write (called on stop too). */
  async flushRecent (): Promise<void> {
    if (!this.recentDirty || this.meta == null || this.recent == null) return
    this.recentDirty = false
    await this.meta.putJSON(RECENT_PEERS, this.recent)
  }

  /**
   * mDNS and bootstrap peers dial themselves (lan-discovery.ts, @libp2p/bootstrap): what is left
   * is what DHT traffic names. A server dials it to mesh with its neighbours; a client keeps
   * to its relays and contacts, and a DHT query opens what it needs while it runs.
   */
  private readonly onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    const { id } = evt.detail
    if (this.controller.signal.aborted || id.equals(this.libp2p.peerId)) return
    if (this.libp2p.services.dht?.getMode() !== 'server') return
    if (this.libp2p.getConnections(id).length > 0) return
    if (this.libp2p.getConnections().length >= DISCOVERY_DIAL_BELOW) return
    // by peer id: libp2p has stored the discovered addresses, and can then join a dial under way
    void this.dial(id)
  }

  private async dial (target: Parameters<Libp2p['dial']>[0]): Promise<void> {
    const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(DIAL_TIMEOUT)])
    await this.libp2p.dial(target, { signal }).catch(() => {})
  }

  /**
   * Dials remembered peers at start, and again a few times while none of them answers: a
   * laptop waking up or a network coming back needs a moment.
   */
  private async reconnectWithRetries (): Promise<void> {
    for (const delay of RECONNECT_RETRIES_MS) {
      if (this.controller.signal.aborted) return
      if (delay > 0) {
        await new Promise(resolve => { const t = setTimeout(resolve, delay); t.unref?.(); this.controller.signal.addEventListener('abort', () => { clearTimeout(t); resolve(undefined) }, { once: true }) })
        if (this.controller.signal.aborted || this.libp2p.getConnections().length >= RECONNECT_COUNT) return
      }
      await this.reconnectKnownPeers().catch(() => {})
    }
  }

  async reconnectKnownPeers (): Promise<void> {
    const peers = await this.libp2p.peerStore.all({ filters: [p => p.addresses.length > 0 && !p.id.equals(this.libp2p.peerId)] })
    const lastSeen = (p: typeof peers[number]): number => Number(new TextDecoder().decode(p.metadata.get(LAST_SEEN) ?? new Uint8Array())) || 0
    const recent = peers.sort((a, b) => lastSeen(b) - lastSeen(a)).slice(0, RECONNECT_COUNT)
      .filter(p => this.libp2p.getConnections(p.id).length === 0)
    const dials = recent.map(async p => this.dial(p.id))
    // and the peers of our own list that the peer store does not offer
    const offered = new Set(recent.map(p => p.id.toString()))
    const own = (await this.meta?.getJSON<Array<{ peerId: string, addrs: string[] }>>(RECENT_PEERS)) ?? []
    for (const p of own.slice(0, RECONNECT_COUNT)) {
      if (offered.has(p.peerId) || p.peerId === this.libp2p.peerId.toString()) continue
      try {
        const id = peerIdFromString(p.peerId)
        if (this.libp2p.getConnections(id).length > 0 || p.addrs.length === 0) continue
        dials.push(this.dial(p.addrs.map(a => multiaddr(a).encapsulate(`/p2p/${p.peerId}`))))
      } catch {}
    }
    await Promise.all(dials)
  }
}
