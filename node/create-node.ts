import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { MemoryDatastore } from 'datastore-core'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createLibp2p } from 'libp2p'
import { DEFAULT_LISTEN, parseMultiaddrs } from './config.ts'
import { createKeys, identityExists, loadKeys, type ProfileKeys } from './identity.ts'
import { buildLibp2pOptions } from './libp2p-options.ts'
import { stickyListen } from './net/listen-addresses.ts'
import { HyphaeMessenger } from './hyphae-messenger.ts'
import { encryptedDatabase, openLevel, type Database } from './store/database.ts'
import { MetaStore } from './store/meta-store.ts'
import { NotInitializedError } from './errors.ts'
import { LevelMailboxStore } from './store/mailbox-store.ts'
import { EncryptedDatastore, migratePlainDatastore } from './store/libp2p-datastore.ts'
import { RelayList } from './net/relay-list.ts'
import { parseProxyUrl } from './net/proxy.ts'
import { parseOnionControl, publishNodeOnion, type NodeOnion } from './net/node-onion.ts'
import { PeerProtection, type InboundLimits } from './net/peer-protection.ts'
import type { WebsiteTransportInit } from './net/website/transport.ts'
import type { MailboxInit } from '../protocols/mailbox/index.ts'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'

export interface MessengerInit {
  dataDir: string
  passphrase?: string
  /** create the identity when the profile has none (default true) */
  create?: boolean
  nickname?: string
  /** listen multiaddrs; default: TCP and WebSockets on every interface, same ports as last time */
  listen?: string[]
  bootstrap?: string[]
  /** default true */
  mdns?: boolean
  mdnsInterval?: number
  /** serve the DHT (default: the profile's setting, else false: a client lists nowhere) */
  dhtServer?: boolean
  /** dial peers remembered in the peer store on start (default true) */
  reconnect?: boolean
  logger?: ComponentLogger
  /** reserve relay slots and advertise /p2p-circuit addresses (default true; not for relays) */
  relayClient?: boolean
  /** run as a relay for others (hyphae relay) */
  relay?: RelayInit
  /** collect libp2p metrics for Prometheus */
  metrics?: boolean
  /** the network reads the traffic: TLS-first dials only (default: the profile's setting) */
  censored?: boolean
  /** addresses to announce instead of the listen addresses (a relay behind nginx) */
  announce?: string[]
  /** addresses to announce besides the others (a relay's onion service) */
  appendAnnounce?: string[]
  /** certificate and site for website listen addresses */
  website?: WebsiteTransportInit
  /** socks5://HOST:PORT: every outgoing connection through it (default: the profile's setting) */
  proxy?: string
  /**
   * tor's control port (HOST:PORT): publish this node as an onion service (default: the
   * profile's setting; not for relays); false: not even the setting (a node for one command)
   */
  onion?: string | false
  /** inbound connections at once per network (default INBOUND_LIMITS) */
  inboundLimits?: Partial<InboundLimits>
}

export interface RelayInit {
  maxReservations: number
  reservationTtlMs: number
  durationLimitMs: number
  dataLimitBytes: bigint
  mailbox?: Omit<MailboxInit, 'store' | 'protocol'>
  /** handed out privately: not a DHT server */
  bridge?: boolean
  /** an entry relay: reaches peers abroad for its clients (protocols/chain) */
  entry?: boolean
}

export interface CreateOptions {
  signal?: AbortSignal
}

/** Opens (or creates) a profile and starts its node. The caller must `stop()` it. */
export async function createMessenger (init: MessengerInit, options: CreateOptions = {}): Promise<HyphaeMessenger> {
  // validate everything the user typed before touching the disk
  parseMultiaddrs(init.listen)
  parseMultiaddrs(init.bootstrap)
  parseMultiaddrs(init.announce)
  if (init.proxy != null) parseProxyUrl(init.proxy)
  if (typeof init.onion === 'string') parseOnionControl(init.onion)
  if (init.create === false && !(await identityExists(init.dataDir))) throw new NotInitializedError(init.dataDir)
  await mkdir(init.dataDir, { recursive: true, mode: 0o700 })
  const profile = await openProfile(init.dataDir, init)
  // the peer store and DHT records say whom this node knows: encrypted like the rest, inside the
  // profile's database (a profile from before kept them in the clear in libp2p/: moved in, shredded);
  // a relay keeps them in memory only: on its disk they would name every client it served
  let onion: NodeOnion | undefined
  const datastore = init.relay != null ? Object.assign(new MemoryDatastore(), { open: async () => {}, close: async () => {} }) : new EncryptedDatastore(profile.db)
  try {
    options.signal?.throwIfAborted()
    await migratePlainDatastore(join(init.dataDir, 'libp2p'), datastore)
    const mailboxStore = init.relay != null ? new LevelMailboxStore(profile.db) : undefined
    const settings = await profile.meta.getJSON<{ censored?: boolean, proxy?: string | null, dhtServer?: boolean, onion?: string | null }>('settings')
    const proxyUrl = init.proxy ?? settings?.proxy ?? undefined
    const proxy = proxyUrl != null ? parseProxyUrl(proxyUrl) : undefined
    // through a proxy a node makes no direct connection: it is censored mode with no LAN exception
    const censored = proxy != null || (init.censored ?? settings?.censored === true)
    // behind a proxy a node opens no port of its own unless told to
    const saved = proxy != null ? undefined : await profile.meta.lastListen()
    const templates = init.listen ?? (proxy != null ? [] : DEFAULT_LISTEN)
    // an onion service, published before libp2p starts so that its first addresses carry it;
    // tor down or refusing stops the start here, with its reason
    const onionAt = init.relay == null && init.onion !== false ? init.onion ?? settings?.onion ?? undefined : undefined
    if (onionAt != null) onion = await publishNodeOnion(parseOnionControl(onionAt), profile.meta)
    // the relays (bridges) added by hand are dialled at start like a bootstrap list
    const relays = (await new RelayList(profile.meta).addresses()).map(a => a.toString())
    const bootstrap = [...new Set([...(init.bootstrap ?? []), ...relays])]
    // prom-client and its dependencies are ~90 modules: loaded only by the node that serves them
    const metrics = init.metrics === true
      ? (await import('@libp2p/prometheus-metrics')).prometheusMetrics({ collectDefaultMetrics: true, preserveExistingMetrics: true })
      : undefined
    const protection = new PeerProtection(init.inboundLimits)
    const build = (listen: string[]): ReturnType<typeof buildLibp2pOptions> => buildLibp2pOptions({
      privateKey: profile.key,
      datastore,
      listen: onion != null ? [...listen, onion.listen] : listen,
      announce: init.announce,
      appendAnnounce: onion != null ? [...(init.appendAnnounce ?? []), onion.address] : init.appendAnnounce,
      unannounced: onion?.isTarget,
      bootstrap,
      censored,
      proxy,
      website: onion != null ? { ...init.website, ...onion.website } : init.website,
      // mDNS announces this node to the LAN: not when everything is to go through a proxy
      mdns: proxy == null && (init.mdns ?? true),
      mdnsInterval: init.mdnsInterval,
      dhtServer: init.dhtServer ?? settings?.dhtServer === true,
      logger: init.logger,
      // every node takes a slot on relays it meets (bootstrap list, invites, mDNS, the DHT): that
      // is where its mailbox is; it searches for one only while it is not publicly reachable
      relayClient: init.relayClient ?? true,
      metrics,
      protection,
      relay: init.relay != null && mailboxStore != null ? { ...init.relay, mailboxStore } : undefined
    })
    const startNode = async (listen: string[]): Promise<HyphaeMessenger> => {
      const libp2p = await createLibp2p({ ...build(listen), start: false })
      // wire the message handlers before the node accepts its first stream
      const messenger = new HyphaeMessenger({ libp2p, key: profile.key, db: profile.db, meta: profile.meta, datastore, mailboxStore, bootstrap, mdns: init.mdns ?? true, censored, passphrase: profile.encrypted, protection, dataDir: init.dataDir })
      try {
        await libp2p.start()
      } catch (err) {
        await Promise.resolve(libp2p.stop()).catch(() => {})
        throw err
      }
      return messenger
    }
    let messenger: HyphaeMessenger
    try {
      messenger = await startNode(init.listen == null && saved != null ? saved : templates)
    } catch (err) {
      // the port kept from last time may be taken now: fall back to fresh ones
      if (init.listen != null || saved == null) throw err
      messenger = await startNode(templates)
    }
    const libp2p = messenger.libp2p
    // tor withdraws the service when its control connection closes: at the node's stop
    const control = onion?.control
    if (control != null) libp2p.addEventListener('stop', () => { control.close() }, { once: true })
    if (init.listen == null && proxy == null) await profile.meta.setLastListen(stickyListen(templates, libp2p.getMultiaddrs()))
    await messenger.start({ reconnect: init.reconnect ?? true })
    if (options.signal?.aborted === true) {
      await messenger.stop()
      options.signal.throwIfAborted()
    }
    return messenger
  } catch (err) {
    onion?.control.close()
    await datastore.close().catch(() => {})
    await profile.db.close().catch(() => {})
    throw err
  }
}

export interface Profile {
  db: Database
  meta: MetaStore
  key: PrivateKey
  /** the key's peer id, as text */
  peerId: string
  /** whether a passphrase protects the profile's keys (without one, the disk is the key) */
  encrypted: boolean
}

/**
 * Locks the profile (its level database), loads or creates its keys, then opens the store with
 * the data key. Holding the lock first means two processes can never race to create two identities.
 */
export async function openProfile (dataDir: string, init: { passphrase?: string, create?: boolean, nickname?: string } = {}): Promise<Profile> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const inner = await openLevel(dataDir, 'db')
  try {
    let keys: ProfileKeys
    if (await identityExists(dataDir)) {
      keys = await loadKeys(dataDir, init.passphrase)
    } else if (init.create ?? true) {
      keys = await createKeys(dataDir, init.passphrase)
    } else {
      throw new NotInitializedError(dataDir)
    }
    const db = await encryptedDatabase(inner, keys.dataKey)
    const meta = new MetaStore(db)
    if (init.nickname != null) await meta.setNickname(init.nickname)
    return { db, meta, key: keys.key, peerId: peerIdFromPrivateKey(keys.key).toString(), encrypted: keys.encrypted }
  } catch (err) {
    await inner.close().catch(() => {})
    throw err
  }
}
