import { socketPath } from '../../node/config.ts'
import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { parseHostPort, relayMetrics, serveMetrics } from '../metrics-server.ts'
import { dataDirOf, openNode } from '../open-node.ts'
import { serveUntilStopped } from './daemon.ts'
import type { Io } from '../io.ts'
import type { Server } from 'node:http'

const HELP = `usage: hyphae relay [--listen MA...] [--bootstrap MA...] [--metrics HOST:PORT] [limits]

Runs a relay for others, headless: a circuit-relay-v2 server for peers behind NAT or a block, a
DHT server and bootstrap node, and mailboxes that keep sealed messages for offline peers (it
can read none of them). Logs one JSON line per event; SIGTERM stops it and keeps the mailboxes.

limits (defaults in brackets):
  --max-reservations N      peers that may hold a slot at once [128]
  --reservation-ttl MIN     how long a slot lasts before renewal [60]
  --relay-duration MIN      per relayed connection [60] (libp2p's default of 2 is too short for chat)
  --relay-data MIB          per relayed connection [64] (libp2p's default is 128 KiB)
  --mailbox-ttl DAYS        how long an unfetched message is kept [14]
  --mailbox-quota N         messages waiting per recipient [1000]
  --mailbox-quota-mib MIB   bytes waiting per recipient [16]
  --sender-rate N           deposits per sender per minute [120]
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
  'sender-rate': { type: 'string' },
  metrics: { type: 'string' }
} as const

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
  const minute = 60_000
  const log = (event: string, detail: Record<string, unknown> = {}): void => { io.err(JSON.stringify({ event, ...detail })) }
  let counters: ReturnType<typeof relayMetrics> | undefined
  const messenger = await openNode(parsed, {
    metrics: metricsAt != null,
    relay: {
      maxReservations: positive(v, 'max-reservations', 128, 100_000),
      reservationTtlMs: positive(v, 'reservation-ttl', 60, 24 * 60) * minute,
      durationLimitMs: positive(v, 'relay-duration', 60, 7 * 24 * 60) * minute,
      dataLimitBytes: BigInt(Math.round(positive(v, 'relay-data', 64, 1024 * 1024) * 1024 * 1024)),
      mailbox: {
        ttlMs: positive(v, 'mailbox-ttl', 14, 365) * 24 * 60 * minute,
        quotaMessages: positive(v, 'mailbox-quota', 1000, 1_000_000),
        quotaBytes: positive(v, 'mailbox-quota-mib', 16, 1024 * 1024) * 1024 * 1024,
        senderRate: positive(v, 'sender-rate', 120, 1_000_000),
        onEvent: (type, detail) => {
          log(`mailbox:${type}`, detail)
          if (type === 'refused') counters?.rejected.inc({ reason: (detail as { reason: string }).reason })
          if (type === 'deposit') { counters?.deposits.inc(); counters?.depositedBytes.inc((detail as { bytes: number }).bytes) }
        }
      }
    }
  })
  messenger.addEventListener('relay:reservation', evt => { log('relay:reservation', { addr: evt.detail }) })
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
    metricsServer?.closeAllConnections()
    await new Promise<void>(resolve => { if (metricsServer == null) resolve(); else metricsServer.close(() => { resolve() }) })
  })
}
