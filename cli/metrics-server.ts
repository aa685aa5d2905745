import { parseHostPort as parseAddress } from '../node/config.ts'
import { createServer, type Server } from 'node:http'
import { Counter, Gauge, register } from 'prom-client'
import { UsageError } from './args.ts'

/** `HOST:PORT` -> { host, port }, or a UsageError. */
export function parseHostPort (value: string): { host: string, port: number } {
  try {
    return parseAddress(value)
  } catch {
    throw new UsageError(`--metrics takes HOST:PORT, not ${JSON.stringify(value)}`)
  }
}

export interface RelayGauges {
  reservations: () => Promise<number>
  connections: () => Promise<number>
  mailbox: () => Promise<{ messages: number, bytes: number }>
}

/** hyphae's own relay metrics, next to libp2p's in the default registry. */
export function relayMetrics (gauges: RelayGauges): { rejected: Counter, deposits: Counter, depositedBytes: Counter } {
  const collect = (name: string, help: string, read: () => number | Promise<number>): void => {
    register.removeSingleMetric(name)
    new Gauge({ name, help, async collect () { this.set(await read()) } })
  }
  collect('hyphae_relay_reservations', 'circuit relay reservations held', gauges.reservations)
  collect('hyphae_connections', 'open connections', gauges.connections)
  collect('hyphae_mailbox_messages', 'envelopes waiting in mailboxes', async () => (await gauges.mailbox()).messages)
  collect('hyphae_mailbox_bytes', 'bytes waiting in mailboxes', async () => (await gauges.mailbox()).bytes)
  const counter = (name: string, help: string, labelNames: string[] = []): Counter => {
    register.removeSingleMetric(name)
    return new Counter({ name, help, labelNames })
  }
  return {
    rejected: counter('hyphae_rejected_requests_total', 'mailbox requests refused, by reason', ['reason']),
    deposits: counter('hyphae_mailbox_deposits_total', 'envelopes deposited'),
    depositedBytes: counter('hyphae_mailbox_deposited_bytes_total', 'bytes deposited')
  }
}

export async function serveMetrics (host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') { res.writeHead(404).end('try /metrics\n'); return }
    register.metrics().then(text => {
      res.writeHead(200, { 'content-type': register.contentType }).end(text)
    }, err => { res.writeHead(500).end(String(err)) })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve() })
  })
  return server
}
