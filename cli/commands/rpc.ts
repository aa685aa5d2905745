import { socketPath } from '../../node/config.ts'
import { PROFILE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf } from '../open-node.ts'
import { RpcSession } from '../rpc/session.ts'
import { terminalJson } from '../tui/format.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae rpc METHOD [JSON-PARAMS] [--data-dir DIR]

Calls a JSON-RPC method on the running daemon (or terminal UI) and prints the result as JSON.
\`hyphae rpc subscribe\` (or \`--follow\`, the same) then prints each notification on one line
until interrupted; \`hyphae watch\` prints only the notifications.
Example: hyphae rpc status`

const WATCH_HELP = `usage: hyphae watch [--data-dir DIR]

Follows the running daemon (or terminal UI): prints each notification (message, receipt,
group.message, group.receipt, peer.connect, peer.disconnect) as one JSON line, as it comes,
until interrupted. For scripts: hyphae watch | jq -c 'select(.method == "message")'`

export async function rpcCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('rpc', args, { ...PROFILE_OPTIONS, follow: { type: 'boolean' } }, 2)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [method, json] = parsed.positionals
  if (method == null) throw new UsageError('rpc: which method? (e.g. hyphae rpc status)')
  if (parsed.values.follow === true && method !== 'subscribe') throw new UsageError('rpc: --follow goes with subscribe')
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
    return await follow(session, io, answer => { io.out(terminalJson(answer, 0)) }, params)
  } finally {
    session.close()
  }
}

/** `hyphae watch`: the notifications alone, one JSON line each, until interrupted. */
export async function watchCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('watch', args, PROFILE_OPTIONS)
  if (parsed.values.help === true) { io.out(WATCH_HELP); return 0 }
  const session = await RpcSession.open(socketPath(dataDirOf(parsed)))
  try {
    return await follow(session, io, () => {})
  } finally {
    session.close()
  }
}

/** Subscribes and prints each notification until the user stops (0) or the daemon goes (1). */
async function follow (session: RpcSession, io: Io, onAnswer: (answer: unknown) => void, params: unknown = {}): Promise<number> {
  const stopped = io.waitForStop()
  const gone = new Promise<void>(resolve => { session.addCloseListener(resolve) })
  session.onNotification = (name, p) => { io.out(terminalJson({ jsonrpc: '2.0', method: name, params: p }, 0)) }
  onAnswer(await session.call('subscribe', params))
  const why = await Promise.race([stopped, gone])
  if (why != null) return 0
  io.err('hyphae: the daemon stopped')
  return 1
}
