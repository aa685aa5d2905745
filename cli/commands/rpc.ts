import { socketPath } from '../../node/config.ts'
import { PROFILE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf } from '../open-node.ts'
import { callRpc } from '../rpc/client.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae rpc METHOD [JSON-PARAMS] [--data-dir DIR]

Calls a JSON-RPC method on the running daemon and prints the result as JSON.
Example: hyphae rpc status`

export async function rpcCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('rpc', args, PROFILE_OPTIONS, 2)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [method, json] = parsed.positionals
  if (method == null) throw new UsageError('rpc: which method? (e.g. hyphae rpc status)')
  let params: unknown = {}
  if (json != null) {
    try {
      params = JSON.parse(json)
    } catch {
      throw new UsageError(`rpc: the params are not valid JSON: ${json}`)
    }
  }
  const result = await callRpc(socketPath(dataDirOf(parsed)), method, params)
  io.out(JSON.stringify(result, null, 2))
  return 0
}
