import { socketPath } from '../../node/config.ts'
import { NODE_OPTIONS, parseCommand } from '../args.ts'
import { dataDirOf, openNode } from '../open-node.ts'
import { createRpcMethods } from '../rpc/methods.ts'
import { serveJsonRpc, stopServing } from '../rpc/socket-server.ts'
import { logLine, type Io } from '../io.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

/**
 * `hyphae daemon` (headless, one log line per event) and `hyphae start` (the same node in the
 * foreground for a person). Both serve JSON-RPC on the profile's socket until SIGINT/SIGTERM.
 */
export async function daemonCommand (args: string[], io: Io, mode: 'daemon' | 'start'): Promise<number> {
  const parsed = parseCommand(mode, args, NODE_OPTIONS)
  if (parsed.values.help === true) { io.out(HELP[mode]); return 0 }
  const messenger = await openNode(parsed)
  return serveUntilStopped(messenger, socketPath(dataDirOf(parsed)), io, mode)
}

/**
 * Serves the node's JSON-RPC socket and logs its events until SIGINT/SIGTERM, then stops it.
 * `daemon` and `relay` log one JSON line per event; `start` talks to a person.
 */
export async function serveUntilStopped (messenger: HyphaeMessenger, path: string, io: Io, mode: 'daemon' | 'start' | 'relay', onStop?: () => Promise<void>): Promise<number> {
  let server
  try {
    server = await serveJsonRpc(path, createRpcMethods(messenger))
  } catch (err) {
    await messenger.stop()
    throw err
  }
  const id = await messenger.id()
  // before "started": whoever reads that line may signal at once
  const stopped = io.waitForStop()
  const json = mode !== 'start'
  const log = json ? io.err : io.out
  if (mode === 'start') {
    io.out(`hyphae is running as ${id.nickname !== '' ? `${id.nickname} ` : ''}${id.peerId}`)
    io.out('listening on:')
    for (const a of id.addresses) io.out(`  ${a}`)
    io.out(`invite: ${id.invite}`)
    io.out(`control socket: ${path}  (try: npx hyphae rpc status)`)
    io.out('press Ctrl+C to stop')
  } else {
    io.out(logLine('started', { mode, peerId: id.peerId, addresses: id.addresses, socket: path }))
  }
  // a relay logs no client's peer id: its log is what a seizure reads first
  const who = (peer: string): Record<string, string> => mode === 'relay' ? {} : { peerId: peer }
  const onConnect = (evt: CustomEvent<string>): void => { log(json ? logLine('peer:connect', who(evt.detail)) : `connected to ${evt.detail}`) }
  const onDisconnect = (evt: CustomEvent<string>): void => { log(json ? logLine('peer:disconnect', who(evt.detail)) : `disconnected from ${evt.detail}`) }
  messenger.addEventListener('peer:connect', onConnect)
  messenger.addEventListener('peer:disconnect', onDisconnect)

  const signal = await stopped
  log(json ? logLine('stopping', { signal }) : `stopping (${signal})...`)
  messenger.removeEventListener('peer:connect', onConnect)
  messenger.removeEventListener('peer:disconnect', onDisconnect)
  await onStop?.()
  await stopServing(server, path)
  await messenger.stop()
  log(json ? logLine('stopped') : 'stopped')
  return 0
}

const NODE_FLAGS = `  --listen MA        listen multiaddr (repeatable or comma-separated);
                     default TCP and WebSockets on every interface, same ports as last run
  --bootstrap MA     a peer to join the network through (repeatable)
  --no-mdns          do not look for peers on the local network
  --censored         the network reads the traffic: dial only TLS relays and bridges
                     (hyphae relays add), announce only relayed addresses (also a
                     setting: hyphae rpc settings.set '{"censored":true}')
  --proxy URL        socks5://HOST:PORT: every outgoing connection through it (Tor's
                     SOCKS port, a VPN's); no direct connection, no listening port, no
                     mDNS (also a setting: settings.set '{"proxy":"socks5://..."}')
  --onion HOST:PORT  tor's control port (127.0.0.1:9051): publish this node as an onion
                     service too; invites and rendezvous records carry its /onion3/
                     address, which contacts with --proxy dial (also a setting:
                     settings.set '{"onion":"127.0.0.1:9051"}')
  --dht-server       serve the DHT, for a LAN cut off from the internet with no relay:
                     crawlers then list your peer id and addresses (also a setting:
                     settings.set '{"dhtServer":true}')
  --data-dir DIR     the profile (default $HYPHAE_HOME or ~/.local/share/hyphae)`

const HELP = {
  daemon: `usage: hyphae daemon [--listen MA...] [--bootstrap MA...] [--no-mdns] [--data-dir DIR]

Runs the node headless and serves JSON-RPC 2.0 on DATA_DIR/hyphae.sock (mode 0600).
Logs one JSON line per event; SIGINT or SIGTERM stop it cleanly.

${NODE_FLAGS}`,
  start: `usage: hyphae start [--listen MA...] [--bootstrap MA...] [--no-mdns] [--data-dir DIR]

Runs the node in the foreground, prints its id, addresses and invite, and serves the same
JSON-RPC socket as the daemon. Creates the identity on first run. Ctrl+C stops it.

${NODE_FLAGS}`
}
