import { connect } from 'node:net'

export class RpcError extends Error {
  static name = 'RpcError'
  name = 'RpcError'
  readonly code: number
  readonly data: unknown
  constructor (code: number, message: string, data?: unknown) {
    super(message)
    this.code = code
    this.data = data
  }
}

export class DaemonNotRunningError extends Error {
  static name = 'DaemonNotRunningError'
  name = 'DaemonNotRunningError'
  constructor (path: string) {
    super(`no hyphae daemon is listening on ${path} (start one with \`hyphae daemon\`)`)
  }
}

/** Calls one JSON-RPC method on the daemon's socket and returns its result. */
export async function callRpc (path: string, method: string, params: unknown = {}, options: { timeout?: number } = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let buffer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`the daemon did not answer ${method} within ${options.timeout ?? 30_000} ms`))
    }, options.timeout ?? 30_000)
    const done = (fn: () => void): void => { clearTimeout(timer); socket.end(); fn() }
    socket.setEncoding('utf8')
    socket.on('connect', () => {
      socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) + '\n')
    })
    socket.on('data', (chunk: string) => {
      buffer += chunk
      let nl: number
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        const msg = JSON.parse(line)
        if (msg.id !== 1) continue // a notification
        if (msg.error != null) done(() => { reject(new RpcError(msg.error.code, msg.error.message, msg.error.data)) })
        else done(() => { resolve(msg.result) })
      }
    })
    socket.on('error', (err: any) => {
      clearTimeout(timer)
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new DaemonNotRunningError(path))
      else reject(err)
    })
  })
}

/** True when a daemon answers on the socket. */
export async function daemonRunning (path: string): Promise<boolean> {
  try {
    await callRpc(path, 'ping', {}, { timeout: 2_000 })
    return true
  } catch {
    return false
  }
}
