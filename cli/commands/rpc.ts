import { socketPath } from '../../node/config.ts'
import { PROFILE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf } from '../open-node.ts'
import { RpcSession } from '../rpc/session.ts'
import { terminalJson } from '../tui/format.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae rpc METHOD [JSON-PARAMS] [--data-dir DIR]

Calls a JSON-RPC method on the running daemon (or terminal UI) and prints the result as JSON.
\`hyphae rpc subscribe\` then prints each notification on one line until interrupted.
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
  const session = await RpcSession.open(socketPath(dataDirOf(parsed)))
  try {
    if (method !== 'subscribe') {
      io.out(terminalJson(await session.call(method, params)))
      return 0
    }
    // a stream of JSON lines: the answer, then each notification as the socket carries it
    const stopped = io.waitForStop()
    const gone = new Promise<void>(resolve => { session.addCloseListener(resolve) })
    session.onNotification = (name, p) => { io.out(terminalJson({ jsonrpc: '2.0', method: name, params: p }, 0)) }
    io.out(terminalJson(await session.call(method, params), 0))
    const why = await Promise.race([stopped, gone])
    if (why != null) return 0
    io.err('hyphae: the daemon stopped')
    return 1
  } finally {
    session.close()
  }
}
