import { connect, type Socket } from 'node:net'

/**
 * A long-lived JSON-RPC client on the daemon's Unix socket: calls resolve with their result,
 * notifications (after `subscribe`) go to `onNotification`.
 */
export class RpcSession {
  onNotification: (method: string, params: any) => void = () => {}
  /** called once when the daemon closes the socket (it stopped) */
  onClose: () => void = () => {}
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
      if (!this.closed) queueMicrotask(() => { this.onClose() })
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

  get isClosed (): boolean {
    return this.closed
  }

  /** Closes the connection (onClose is for the other side going away, so it is not called). */
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
      let msg: any
      try {
        msg = JSON.parse(line)
      } catch {
        // not JSON: nothing to answer or to dispatch; the calls waiting keep waiting (their timeout bounds them)
        continue
      }
      if (msg == null || typeof msg !== 'object') continue
      if (msg.id == null && typeof msg.method === 'string') {
        this.onNotification(msg.method, msg.params)
        continue
      }
      const p = this.pending.get(msg.id)
      if (p == null) continue
      this.pending.delete(msg.id)
      clearTimeout(p.timer)
      if (msg.error != null) p.reject(Object.assign(new Error(msg.error.message), { name: msg.error.data?.name ?? 'RpcError', code: msg.error.code, data: msg.error.data }))
      else p.resolve(msg.result)
    }
  }
}
