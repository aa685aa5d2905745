import { createServer } from 'node:net'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { MessageRecord, ReceiptEvent } from '../../node/messenger.ts'

/** below Linux's ephemeral range (32768-60999): a port there can be taken at any moment as the
 * source port of some outgoing connection (even a dial to the dead node itself, on loopback) */
const STABLE_PORTS = { from: 20_000, to: 32_000 }

async function canListen (port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, outside the ephemeral range: a node that
 * is killed and restarted on it (its invite names it) finds it free again.
 */
export async function freePort (): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = STABLE_PORTS.from + Math.floor(Math.random() * (STABLE_PORTS.to - STABLE_PORTS.from))
    if (await canListen(port)) return port
  }
  throw new Error(`no free port between ${STABLE_PORTS.from} and ${STABLE_PORTS.to} after 100 tries`)
}

/** `n` distinct free ports. */
export async function freePorts (n: number): Promise<number[]> {
  const ports = new Set<number>()
  for (let i = 0; ports.size < n && i < n * 10; i++) ports.add(await freePort())
  if (ports.size < n) throw new Error(`found only ${ports.size} distinct free ports`)
  return [...ports]
}

/** Everything a messenger announced: its stored messages and its receipts, in order. */
export class EventLog {
  readonly messages: MessageRecord[] = []
  readonly receipts: ReceiptEvent[] = []
  private readonly node: HyphaeMessenger
  private readonly onMessage = (evt: CustomEvent<MessageRecord>): void => { this.messages.push(evt.detail) }
  private readonly onReceipt = (evt: CustomEvent<ReceiptEvent>): void => { this.receipts.push(evt.detail) }

  constructor (node: HyphaeMessenger) {
    this.node = node
    node.addEventListener('message', this.onMessage)
    node.addEventListener('receipt', this.onReceipt)
  }

  /** True once a receipt moved message `id` to `status`. */
  saw (id: string, status: ReceiptEvent['status']): boolean {
    return this.receipts.some(r => r.id === id && r.status === status)
  }

  detach (): void {
    this.node.removeEventListener('message', this.onMessage)
    this.node.removeEventListener('receipt', this.onReceipt)
  }
}

/** Every node adds every other one from the invite its id() hands out. */
export async function addEachOther (nodes: HyphaeMessenger[]): Promise<void> {
  for (const x of nodes) {
    for (const y of nodes) {
      if (x !== y) await x.addContact((await y.id()).invite)
    }
  }
}

const PAGE = 1000
/** Pages through a conversation with before/limit, as a UI scrolling up would: oldest first. */
export async function wholeConversation (node: HyphaeMessenger, ref: string, maxPages = 100): Promise<MessageRecord[]> {
  const pages: MessageRecord[][] = []
  let before: string | undefined
  for (let i = 0; i < maxPages; i++) {
    const page = await node.listMessages(ref, { limit: PAGE, before })
    if (page.length === 0) break
    pages.unshift(page)
    if (page.length < PAGE) break
    before = page[0].id
  }
  return pages.flat()
}

/** The body of message `i` of a run, so the order can be checked from the text alone. */
export function body (prefix: string, i: number): string {
  return `${prefix} #${String(i).padStart(5, '0')}`
}

export { RpcSession } from '../../cli/rpc/session.ts'
