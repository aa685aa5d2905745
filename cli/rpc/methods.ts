import type { Messenger } from '../../node/messenger.ts'
import type { RpcMethod } from './socket-server.ts'

/** The daemon's JSON-RPC methods; each one is documented in the README. */
export function createRpcMethods (messenger: Messenger): Record<string, RpcMethod> {
  return {
    ping: () => 'pong',
    id: async () => messenger.id(),
    status: async () => messenger.status()
  }
}
