import { socketPath } from '../node/config.ts'
import { dataDirOf, openNode } from './open-node.ts'
import { RemoteMessenger } from './rpc/remote-messenger.ts'
import type { Parsed } from './args.ts'
import type { MessengerInit } from '../node/index.ts'
import type { Messenger } from '../node/messenger.ts'

export interface Connected {
  messenger: Messenger
  /** true when a running node (a daemon, a terminal UI) serves the profile and keeps running after the command */
  viaDaemon: boolean
}

/** How long a node serving the socket has to answer before the command opens the profile itself. */
const ATTACH_TIMEOUT = 2_000

/**
 * The node serving the profile's socket when there is one (a daemon, a terminal UI);
 * otherwise the node started for the duration of the command. Either way a Messenger.
 */
export async function connectMessenger (parsed: Parsed, extra: Partial<MessengerInit> = {}): Promise<Connected> {
  const remote = await RemoteMessenger.attach(socketPath(dataDirOf(parsed)), { subscribe: false, timeout: ATTACH_TIMEOUT }).catch(() => undefined)
  if (remote != null) return { messenger: remote, viaDaemon: true }
  // only init, the terminal UI, start, daemon and relay make a profile: a mistyped --data-dir
  // must not quietly become a new identity
  // nor does a node for one command publish the profile's onion service: gone before anyone dials it
  return { messenger: await openNode(parsed, { create: false, ...(parsed.values.onion == null ? { onion: false } : {}), ...extra }), viaDaemon: false }
}

/** Runs `fn` on the profile's Messenger (see connectMessenger), then stops or detaches from it. */
export async function withMessenger <T> (parsed: Parsed, fn: (messenger: Messenger, viaDaemon: boolean) => Promise<T>, extra: Partial<MessengerInit> = {}): Promise<T> {
  const { messenger, viaDaemon } = await connectMessenger(parsed, extra)
  try {
    return await fn(messenger, viaDaemon)
  } finally {
    await messenger.stop()
  }
}
