import { socketPath } from '../../node/config.ts'
import { NODE_OPTIONS, parseCommand, stringList, UsageError } from '../args.ts'
import { parseHostPort, relayMetrics, serveMetrics } from '../metrics-server.ts'
import { dataDirOf, openNode } from '../open-node.ts'
import { serveUntilStopped } from './daemon.ts'
import { prepareRelayWebsite, type RelayWebsite } from '../../node/net/website/relay-website.ts'
import { parseHostPort as parseWebsiteAt } from '../../node/config.ts'
import { formatRelayLine } from '../../node/net/relay-list.ts'
import { nginxSiteConfig } from '../../node/net/website/nginx-config.ts'
import { publishOnion, type PublishedOnion } from '../../node/net/onion-service.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { logLine, type Io } from '../io.ts'
import type { Server } from 'node:http'

const HELP = `usage: hyphae relay [--listen MA...] [--bootstrap MA...] [--metrics HOST:PORT] [limits]
       hyphae relay --website HOST:PORT [website flags] [--bridge] [--entry]

Runs a relay for others, headless: a circuit-relay-v2 server for peers behind NAT or a block, a
DHT server and bootstrap node, and mailboxes that keep sealed messages for offline peers (it
can read none of them). Logs one JSON line per event; SIGTERM stops it and keeps the mailboxes.

a relay that is a website (for users behind a censor that reads the traffic):
  --website HOST:PORT       serve HTTPS here: a website to everyone, libp2p only on a secret
                            path; with no --listen, nothing else listens
  --tls-cert FILE --tls-key FILE   your certificate (PEM); without them a self-signed one is
                            made, kept in the profile and pinned by its hash in the relay line
  --tls-name NAME           the name clients send as SNI (and the self-signed certificate's)
  --site DIR                the website everyone else sees [a small stock page]
  --secret-path P           [made at random once and kept in the profile]
  --behind-proxy            nginx or caddy holds the certificate and forwards the secret path:
                            --website is then plain HTTP on loopback (see --nginx-config);
                            --tls-cert alone pins the proxy's self-signed certificate
  --public-address NAME:PORT  where clients reach the website (the proxy, or a NAT's address)
  --bridge                  never a DHT server: hand the printed relay line out privately
  --entry                   an entry relay: reaches relays abroad for its clients (whitelists)
  --onion HOST:PORT         tor's control port: publish the website as an onion service too
                            (its key kept in the profile), and print its relay line
  --nginx-config            print an nginx server block for --behind-proxy and exit

limits (defaults in brackets):
  --max-reservations N      peers that may hold a slot at once [128]
  --reservation-ttl MIN     how long a slot lasts before renewal [60]
  --relay-duration MIN      per relayed connection [60] (libp2p's default of 2 is too short for chat)
  --relay-data MIB          per relayed connection [64] (libp2p's default is 128 KiB)
  --mailbox-ttl DAYS        how long an unfetched message is kept [14]
  --mailbox-quota N         messages waiting per queue (a recipient's mailbox here) [1000]
  --mailbox-quota-mib MIB   bytes waiting per queue [16]
  --queue-rate N            deposits per queue per minute [120]
  --max-queues N            queues kept at once (an idle one goes after 30 days) [100000]
  --mailbox-total-mib MIB   bytes all mailboxes may hold together [2048]
  --metrics HOST:PORT       serve Prometheus metrics on http://HOST:PORT/metrics
node flags: --listen, --bootstrap, --no-mdns, --data-dir (see hyphae daemon --help)`

const LIMITS = {
  'max-reservations': { type: 'string' },
  'reservation-ttl': { type: 'string' },
  'relay-duration': { type: 'string' },
  'relay-data': { type: 'string' },
  'mailbox-ttl': { type: 'string' },
  'mailbox-quota': { type: 'string' },
  'mailbox-quota-mib': { type: 'string' },
  'queue-rate': { type: 'string' },
  'max-queues': { type: 'string' },
  'mailbox-total-mib': { type: 'string' },
  metrics: { type: 'string' },
  website: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-name': { type: 'string' },
  site: { type: 'string' },
  'secret-path': { type: 'string' },
  'behind-proxy': { type: 'boolean' },
  'public-address': { type: 'string' },
  bridge: { type: 'boolean' },
  entry: { type: 'boolean' },
  onion: { type: 'string' },
  'nginx-config': { type: 'boolean' }
} as const

async function websiteOf (v: Record<string, unknown>, dataDir: string): Promise<RelayWebsite | undefined> {
  if (v.website == null) {
    for (const flag of ['tls-cert', 'tls-key', 'tls-name', 'site', 'secret-path', 'behind-proxy', 'public-address', 'nginx-config']) {
      if (v[flag] != null) throw new UsageError(`relay: --${flag} goes with --website HOST:PORT`)
    }
    return undefined
  }
  try {
    const at = parseWebsiteAt(v.website as string)
    const { decoySite } = await import('../../node/net/website/site.ts')
    return await prepareRelayWebsite({
      dataDir,
      host: at.host,
      port: at.port,
      behindProxy: v['behind-proxy'] === true,
      certFile: v['tls-cert'] as string | undefined,
      keyFile: v['tls-key'] as string | undefined,
      name: v['tls-name'] as string | undefined,
      publicAddress: v['public-address'] as string | undefined,
      secretPath: v['secret-path'] as string | undefined,
      site: await decoySite(v.site as string | undefined)
    })
  } catch (err: any) {
    if (err.name === 'InvalidArgumentError') throw new UsageError(`relay: ${err.message as string}`)
    throw err
  }
}

async function onionOf (control: { host: string, port: number }, dataDir: string, website: RelayWebsite): Promise<PublishedOnion> {
  try {
    return await publishOnion(control, dataDir, website)
  } catch (err: any) {
    if (err.name === 'InvalidArgumentError') throw new UsageError(`relay: ${err.message as string}`)
    throw err
  }
}

function positive (values: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const raw = values[name]
  if (raw == null) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`relay: --${name} takes a number from 1 to ${max}, not ${JSON.stringify(raw)}`)
  return n
}

export async function relayCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('relay', args, { ...NODE_OPTIONS, ...LIMITS })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const v = parsed.values
  const metricsAt = v.metrics != null ? parseHostPort(v.metrics as string) : undefined
  const website = await websiteOf(v, dataDirOf(parsed))
  if (v['nginx-config'] === true) {
    if (website == null || v['behind-proxy'] !== true) throw new UsageError('relay: --nginx-config goes with --website HOST:PORT --behind-proxy')
    io.out(nginxSiteConfig({ serverName: (v['tls-name'] as string | undefined) ?? parseWebsiteAt(v['public-address'] as string, 443).host, secretPath: website.secretPath, upstream: v.website as string, root: (v.site as string | undefined) ?? '/var/www/html' }))
    return 0
  }
  const minute = 60_000
  const log = (event: string, detail: Record<string, unknown> = {}): void => { io.err(logLine(event, detail)) }
  if (v.onion != null && website == null) throw new UsageError('relay: --onion goes with --website HOST:PORT')
  const onion = website != null && v.onion != null ? await onionOf(parseWebsiteAt(v.onion as string, 9051), dataDirOf(parsed), website) : undefined
  let counters: ReturnType<typeof relayMetrics> | undefined
  const messenger = await openNode(parsed, {
    metrics: metricsAt != null,
    ...(website != null
      ? {
          // a website relay answers nothing else unless told to: every other port would tell a prober what it is
          listen: parsed.values.listen != null ? [...(stringList(parsed.values.listen) ?? []), website.listen] : [website.listen],
          announce: website.announce != null ? [website.announce] : undefined,
          appendAnnounce: onion != null ? [onion.address] : undefined,
          website: website.transport
        }
      : {}),
    // mDNS would tell the hosting provider's network segment what this machine runs
    ...(website != null || v.bridge === true ? { mdns: false } : {}),
    relay: {
      bridge: v.bridge === true,
      entry: v.entry === true,
      maxReservations: positive(v, 'max-reservations', 128, 100_000),
      reservationTtlMs: positive(v, 'reservation-ttl', 60, 24 * 60) * minute,
      durationLimitMs: positive(v, 'relay-duration', 60, 7 * 24 * 60) * minute,
      dataLimitBytes: BigInt(Math.round(positive(v, 'relay-data', 64, 1024 * 1024) * 1024 * 1024)),
      mailbox: {
        ttlMs: positive(v, 'mailbox-ttl', 14, 365) * 24 * 60 * minute,
        quotaMessages: positive(v, 'mailbox-quota', 1000, 1_000_000),
        quotaBytes: positive(v, 'mailbox-quota-mib', 16, 1024 * 1024) * 1024 * 1024,
        queueRate: positive(v, 'queue-rate', 120, 1_000_000),
        maxQueues: positive(v, 'max-queues', 100_000, 100_000_000),
        totalQuotaBytes: positive(v, 'mailbox-total-mib', 2048, 1024 * 1024 * 1024) * 1024 * 1024,
        onEvent: (type, detail) => {
          log(`mailbox:${type}`, detail)
          if (type === 'refused') counters?.rejected.inc({ reason: (detail as { reason: string }).reason })
          if (type === 'deposit') { counters?.deposits.inc(); counters?.depositedBytes.inc((detail as { bytes: number }).bytes) }
        }
      }
    }
  })
  // a count, never the client's peer id: a relay's log is what a seizure reads first
  let reservations = 0
  messenger.addEventListener('relay:reservation', () => { log('relay:reservation', { total: ++reservations }) })
  if (website != null || v.bridge === true) {
    // the line users paste into `hyphae relays add`: one per address a client may reach
    const id = await messenger.id()
    for (const address of id.addresses.filter(a => website == null || a.includes('/http-path/'))) {
      log(v.bridge === true ? 'bridge' : 'relay-line', { line: formatRelayLine(multiaddr(address)), address })
    }
  }
  let metricsServer: Server | undefined
  try {
    if (metricsAt != null) {
      // the gauges of one scrape share one read (the mailbox totals walk every mailbox)
      let reading: ReturnType<typeof messenger.relayStats> | undefined
      const stats = async (): ReturnType<typeof messenger.relayStats> => {
        reading ??= messenger.relayStats().finally(() => { reading = undefined })
        return reading
      }
      counters = relayMetrics({
        reservations: async () => (await stats())?.reservations ?? 0,
        connections: async () => (await stats())?.connections ?? 0,
        mailbox: async () => (await stats())?.mailbox ?? { messages: 0, bytes: 0 }
      })
      metricsServer = await serveMetrics(metricsAt.host, metricsAt.port)
      log('metrics', { url: `http://${metricsAt.host}:${metricsAt.port}/metrics` })
    }
  } catch (err) {
    await messenger.stop()
    throw err
  }
  return serveUntilStopped(messenger, socketPath(dataDirOf(parsed)), io, 'relay', async () => {
    onion?.control.close()
    metricsServer?.closeAllConnections()
    await new Promise<void>(resolve => { if (metricsServer == null) resolve(); else metricsServer.close(() => { resolve() }) })
  })
}
