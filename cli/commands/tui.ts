import { identityExists, isIdentityEncrypted } from '../../node/identity.ts'
import { socketPath } from '../../node/config.ts'
import { createMessenger } from '../../node/index.ts'
import { daemonRunning } from '../rpc/client.ts'
import { createRpcMethods } from '../rpc/methods.ts'
import { RemoteMessenger } from '../rpc/remote-messenger.ts'
import { serveJsonRpc, stopServing } from '../rpc/socket-server.ts'
import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf, nodeInitOf } from '../open-node.ts'
import type { OpenInit } from '../tui/components/Launcher.tsx'
import type { QuitResult } from '../tui/app.tsx'
import type { Messenger } from '../../node/messenger.ts'
import type { Io } from '../io.ts'
import type { Server } from 'node:net'

export const TUI_HELP = `usage: hyphae [tui] [--listen MA...] [--bootstrap MA...] [--no-mdns] [--data-dir DIR]

The terminal UI: your conversations, message requests and the node's status in one screen.
On first run it creates your identity (a nickname and an optional passphrase). Press ? in
it for every key and command; Ctrl+C stops the node and quits (the outbox is kept). When a
\`hyphae daemon\` already runs the profile, it attaches to that node instead, and Ctrl+C
detaches (the daemon keeps running). While it runs it serves the profile's JSON-RPC socket as
the daemon does, so \`hyphae send\`, \`hyphae id\` and \`hyphae rpc\` work beside it.

  --listen MA        listen multiaddr (repeatable or comma-separated);
                     default TCP and WebSockets on every interface, same ports as last run
  --bootstrap MA     a peer to join the network through (repeatable)
  --no-mdns          do not look for peers on the local network
  --proxy URL        socks5://HOST:PORT: every outgoing connection through it (Tor's SOCKS port)
  --onion HOST:PORT  tor's control port: publish this node as an onion service too
                     (both also settings: hyphae daemon --help)
  --data-dir DIR     the profile (default $HYPHAE_HOME or ~/.local/share/hyphae)
environment:
  HYPHAE_PASSPHRASE  the passphrase of an encrypted identity (otherwise asked for)`

export function isTerminal (): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true
}

/** `hyphae` with no command (or only node flags), `hyphae tui`, `npm start`. */
export async function tuiCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('tui', args, NODE_OPTIONS)
  if (parsed.values.help === true) { io.out(TUI_HELP); return 0 }
  const init = nodeInitOf(parsed)
  if (!isTerminal()) throw new UsageError('the terminal UI needs a terminal: run the node without one with `hyphae start` or `hyphae daemon`')
  const dataDir = dataDirOf(parsed)
  const exists = await identityExists(dataDir)
  const encrypted = exists && await isIdentityEncrypted(dataDir)
  const env = process.env.HYPHAE_PASSPHRASE
  const envPassphrase = env != null && env !== '' ? env : undefined

  // the UI's modules load only when the UI runs: every other command starts as fast as before
  const [{ createElement }, { render }, { Launcher }, { App }] = await Promise.all([import('react'), import('ink'), import('../tui/components/Launcher.tsx'), import('../tui/app.tsx')])
  // a daemon already runs this profile (for a bot, a script): attach to it rather than fail on its lock
  const socket = socketPath(dataDir)
  const remote = exists && await daemonRunning(socket) ? await RemoteMessenger.attach(socket) : undefined
  if (remote != null && ['listen', 'bootstrap', 'no-mdns'].some(flag => parsed.values[flag] != null)) {
    io.err('a hyphae daemon already runs this profile: attaching to it (its own --listen, --bootstrap and --no-mdns apply)')
  }
  let messenger: Messenger | undefined = remote
  let server: Server | undefined
  const open = async (o: OpenInit): Promise<Messenger> => {
    const opened = await createMessenger({ ...init, dataDir, passphrase: o.passphrase, nickname: o.nickname, create: o.create })
    // the profile's socket, as a daemon serves it: `hyphae send`, `id`, `rpc` work beside the UI
    server = await serveJsonRpc(socket, createRpcMethods(opened)).catch(async err => { await opened.stop().catch(() => {}); throw err })
    messenger = opened
    return opened
  }
  const tree = remote != null
    ? createElement(App, { messenger: remote, attached: true })
    : createElement(Launcher, { profile: { dataDir, exists, encrypted }, envPassphrase, open })
  const instance = render(tree, {
    exitOnCtrlC: false, // the app stops the node first
    alternateScreen: true,
    interactive: true,
    incrementalRendering: true
  })
  // a signal from outside (SIGTERM, the terminal closing) stops as cleanly as Ctrl+C
  const onSignal = (): void => { instance.unmount() }
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const s of signals) process.on(s, onSignal)
  // a terminal that went away fails every write (EIO, EPIPE): stop the node rather than crash
  const onWriteError = (): void => { instance.unmount() }
  process.stdout.on('error', onWriteError)
  let daemonGone = false
  if (remote != null) remote.onDetach = () => { daemonGone = true; instance.unmount() }
  let result: QuitResult | undefined
  try {
    result = await instance.waitUntilExit() as QuitResult | undefined
  } finally {
    for (const s of signals) process.off(s, onSignal)
    let outbox: number | undefined
    if (result == null) outbox = await messenger?.outboxSize().catch(() => undefined)
    if (server != null) await stopServing(server, socket)
    await messenger?.stop().catch(() => {})
    result ??= outbox != null ? { outbox } : undefined
  }
  if (remote != null) {
    io.out(daemonGone ? 'the hyphae daemon stopped: detached' : 'detached; the hyphae daemon keeps running')
    return daemonGone ? 1 : 0
  }
  if (result != null && result.outbox > 0) io.out(`${result.outbox} message${result.outbox === 1 ? '' : 's'} wait in the outbox; they go out the next time hyphae runs`)
  return 0
}
