import { connect, createServer, type Socket } from 'node:net'
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

/**
 * A long-lived JSON-RPC client on the daemon's Unix socket: calls resolve with their result,
 * notifications (after `subscribe`) go to `onNotification`.
 */
export class RpcSession {
  onNotification: (method: string, params: any) => void = () => {}
  private readonly socket: Socket
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void, timer: ReturnType<typeof setTimeout> }>()
  private nextId = 1
  private buffer = ''
  private closed = false

  private constructor (socket: Socket) {
    this.socket = socket
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => { this.onData(chunk) })
    const fail = (): void => {
      this.closed = true
      for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new Error('the daemon socket closed')) }
      this.pending.clear()
    }
    socket.on('close', fail)
    socket.on('error', fail)
  }

  static async open (path: string): Promise<RpcSession> {
    return new Promise((resolve, reject) => {
      const socket = connect(path)
      socket.once('error', reject)
      socket.once('connect', () => { socket.off('error', reject); resolve(new RpcSession(socket)) })
    })
  }

  async call (method: string, params: unknown = {}, timeout = 30_000): Promise<any> {
    if (this.closed) throw new Error('the daemon socket is closed')
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`the daemon did not answer ${method} within ${timeout} ms`))
      }, timeout)
      this.pending.set(id, { resolve, reject, timer })
      this.socket.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n')
    })
  }

  close (): void {
    this.closed = true
    this.socket.destroy()
  }

  private onData (chunk: string): void {
    this.buffer += chunk
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, nl)
      this.buffer = this.buffer.slice(nl + 1)
      if (line.trim() === '') continue
      const msg = JSON.parse(line)
      if (msg.id == null && typeof msg.method === 'string') {
        this.onNotification(msg.method, msg.params)
        continue
      }
      const p = this.pending.get(msg.id)
      if (p == null) continue
      this.pending.delete(msg.id)
      clearTimeout(p.timer)
      if (msg.error != null) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, data: msg.error.data }))
      else p.resolve(msg.result)
    }
  }
}
