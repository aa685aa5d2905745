import { socketPath } from '../node/config.ts'
import { dataDirOf, openNode } from './open-node.ts'
import { callRpc, daemonRunning } from './rpc/client.ts'
import { createRpcMethods } from './rpc/methods.ts'
import type { Parsed } from './args.ts'

export interface NodeCall {
  /** calls a daemon method (the same names and params as JSON-RPC) */
  call: (method: string, params?: Record<string, unknown>) => Promise<any>
  /** true when a running daemon serves the calls */
  viaDaemon: boolean
  close: () => Promise<void>
}

/**
 * The running daemon when there is one for the profile; otherwise the node started for the
 * duration of the command, answering the very same methods.
 */
export async function connectNode (parsed: Parsed): Promise<NodeCall> {
  const path = socketPath(dataDirOf(parsed))
  if (await daemonRunning(path)) {
    return { call: async (method, params = {}) => callRpc(path, method, params), viaDaemon: true, close: async () => {} }
  }
  const messenger = await openNode(parsed)
  const methods = createRpcMethods(messenger)
  const connection = { closed: false, notify: () => {}, onClose: () => {} }
  return {
    call: async (method, params = {}) => {
      const fn = methods[method]
      if (fn == null) throw new Error(`unknown method ${method}`)
      return fn(params, connection)
    },
    viaDaemon: false,
    close: async () => { await messenger.stop() }
  }
}

export async function withNode <T> (parsed: Parsed, fn: (node: NodeCall) => Promise<T>): Promise<T> {
  const node = await connectNode(parsed)
  try {
    return await fn(node)
  } finally {
    await node.close()
  }
}
