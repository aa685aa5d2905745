import { peerIdFromString } from '@libp2p/peer-id'
import { isPrivateIp } from '@libp2p/utils'
import { TypedEventEmitter } from 'main-event'
import { parseMultiaddr } from './config.ts'
import { createInvite, INVITE_PREFIX, parseInvite } from './invite.ts'
import { PeerWarmup } from './peer-warmup.ts'
import type { IdentityInfo, Messenger, MessengerEvents, NodeStatus, Reachability } from './messenger.ts'
import type { Database } from './store/database.ts'
import type { MetaStore } from './store/meta-store.ts'
import type { AbortOptions, Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'

export interface HyphaeMessengerComponents {
  libp2p: Libp2p<any>
  key: PrivateKey
  db: Database
  meta: MetaStore
  datastore: Datastore & { close(): Promise<void> }
}

const DEFAULT_TIMEOUT = 30_000

export class HyphaeMessenger extends TypedEventEmitter<MessengerEvents> implements Messenger {
  readonly libp2p: Libp2p<any>
  readonly peerId: string
  private readonly components: HyphaeMessengerComponents
  private readonly warmup: PeerWarmup
  private stopped = false

  constructor (components: HyphaeMessengerComponents) {
    super()
    this.components = components
    this.libp2p = components.libp2p
    this.peerId = this.libp2p.peerId.toString()
    this.warmup = new PeerWarmup(this.libp2p)
  }

  async start (options: { reconnect: boolean }): Promise<void> {
    this.libp2p.addEventListener('peer:connect', this.onPeerConnect)
    this.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    this.warmup.start({ reconnect: options.reconnect })
  }

  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    this.safeDispatchEvent('peer:connect', { detail: evt.detail.toString() })
  }

  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => {
    this.safeDispatchEvent('peer:disconnect', { detail: evt.detail.toString() })
  }

  /** Addresses worth handing to another user: not loopback unless that is all there is. */
  dialableAddresses (): Multiaddr[] {
    const all = this.libp2p.getMultiaddrs()
    const notLoopback = all.filter(ma => {
      const host = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
      return host == null || !(host.startsWith('127.') || host === '::1')
    })
    return notLoopback.length > 0 ? notLoopback : all
  }

  async id (): Promise<IdentityInfo> {
    const nickname = await this.components.meta.nickname() ?? ''
    const addrs = this.dialableAddresses()
    return {
      peerId: this.peerId,
      nickname,
      addresses: addrs.map(a => a.toString()),
      invite: await createInvite(this.components.key, nickname, addrs)
    }
  }

  async status (): Promise<NodeStatus> {
    const connections = this.libp2p.getConnections()
    const dht = this.libp2p.services.dht
    return {
      peerId: this.peerId,
      nickname: await this.components.meta.nickname() ?? '',
      connections: connections.length,
      peers: connections.map(c => ({ peerId: c.remotePeer.toString(), address: c.remoteAddr.toString(), direction: c.direction })),
      listenAddresses: this.libp2p.getMultiaddrs().map(a => a.toString()),
      reachability: this.reachability(),
      dht: { mode: dht.getMode(), routingTableSize: dht.routingTable?.size ?? 0 },
      knownPeers: (await this.libp2p.peerStore.all()).length
    }
  }

  reachability (): Reachability {
    const conns = this.libp2p.getConnections()
    if (conns.length === 0) return 'offline'
    const addrs = this.libp2p.getMultiaddrs()
    const isPublic = addrs.some(ma => {
      if (ma.getComponents().some(c => c.name === 'p2p-circuit')) return false
      const host = ma.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
      return host != null && isPrivateIp(host) === false
    })
    if (isPublic) return 'direct'
    if (addrs.some(ma => ma.getComponents().some(c => c.name === 'p2p-circuit'))) return 'via-relay'
    return 'lan-only'
  }

  async setNickname (nickname: string): Promise<void> {
    await this.components.meta.setNickname(nickname)
  }

  async findPeer (peerId: string, options: AbortOptions = {}): Promise<string[]> {
    const id = peerIdFromString(peerId)
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT)
    const info = await this.libp2p.peerRouting.findPeer(id, { signal, useCache: false })
    return info.multiaddrs.map(a => a.toString())
  }

  async connect (target: string, options: AbortOptions = {}): Promise<void> {
    const signal = options.signal ?? AbortSignal.timeout(DEFAULT_TIMEOUT)
    if (target.startsWith(INVITE_PREFIX)) {
      const invite = await parseInvite(target)
      await this.libp2p.peerStore.merge(invite.peerId, { multiaddrs: invite.addrs })
      await this.libp2p.dial(invite.peerId, { signal })
      return
    }
    if (target.startsWith('/')) {
      await this.libp2p.dial(parseMultiaddr(target), { signal })
      return
    }
    const id = peerIdFromString(target)
    if ((await this.libp2p.peerStore.has(id)) && (await this.libp2p.peerStore.get(id)).addresses.length > 0) {
      try {
        await this.libp2p.dial(id, { signal })
        return
      } catch {}
    }
    const info = await this.libp2p.peerRouting.findPeer(id, { signal, useCache: false })
    await this.libp2p.dial(info.multiaddrs.length > 0 ? info.multiaddrs : id, { signal })
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.warmup.stop()
    this.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    this.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    await this.libp2p.stop()
    await this.components.datastore.close()
    await this.components.db.close()
  }
}
