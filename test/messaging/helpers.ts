import { createServer } from 'node:net'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { MessageRecord, ReceiptEvent } from '../../node/messenger.ts'

/** A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read, released). */
export async function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address != null ? address.port : 0
      server.close(() => {
        if (port > 0) resolve(port)
        else reject(new Error('no port'))
      })
    })
  })
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
