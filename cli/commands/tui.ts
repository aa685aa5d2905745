import { identityExists, isIdentityEncrypted } from '../../node/identity.ts'
import { createMessenger } from '../../node/index.ts'
import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { dataDirOf, nodeInitOf } from '../open-node.ts'
import type { OpenInit } from '../tui/components/Launcher.tsx'
import type { QuitResult } from '../tui/app.tsx'
import type { Messenger } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

export const TUI_HELP = `usage: hyphae [tui] [--listen MA...] [--bootstrap MA...] [--no-mdns] [--data-dir DIR]

The terminal UI: your conversations, message requests and the node's status in one screen.
On first run it creates your identity (a nickname and an optional passphrase). Press ? in
it for every key and command; Ctrl+C stops the node and quits (the outbox is kept).

  --listen MA        listen multiaddr (repeatable or comma-separated);
                     default TCP and WebSockets on every interface, same ports as last run
  --bootstrap MA     a peer to join the network through (repeatable)
  --no-mdns          do not look for peers on the local network
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
  const [{ createElement }, { render }, { Launcher }] = await Promise.all([import('react'), import('ink'), import('../tui/components/Launcher.tsx')])
  let messenger: Messenger | undefined
  const open = async (o: OpenInit): Promise<Messenger> => {
    messenger = await createMessenger({ ...init, dataDir, passphrase: o.passphrase, nickname: o.nickname, create: o.create })
    return messenger
  }
  const instance = render(createElement(Launcher, { profile: { dataDir, exists, encrypted }, envPassphrase, open }), {
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
  let result: QuitResult | undefined
  try {
    result = await instance.waitUntilExit() as QuitResult | undefined
  } finally {
    for (const s of signals) process.off(s, onSignal)
    let outbox: number | undefined
    if (result == null) outbox = await messenger?.outboxSize().catch(() => undefined)
    await messenger?.stop().catch(() => {})
    result ??= outbox != null ? { outbox } : undefined
  }
  if (result != null && result.outbox > 0) io.out(`${result.outbox} message${result.outbox === 1 ? '' : 's'} wait in the outbox; they go out the next time hyphae runs`)
  return 0
}
