/**
 * The cold-start baseline: a process that starts one bare libp2p node (TCP, Noise, yamux) on
 * loopback, prints {"event":"started",...} once it listens, and stops on SIGTERM/SIGINT or when
 * stdin closes. Loaded through tsx like bin/hyphae.js, so both pay the same loader.
 *
 * usage: node --import tsx bench/bare-process.ts
 */
import { createBareNode } from './bare.ts'

const node = await createBareNode()
process.stdout.write(JSON.stringify({ event: 'started', peerId: node.peerId.toString(), addresses: node.getMultiaddrs().map(String) }) + '\n')

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  await node.stop()
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })
process.stdin.on('end', () => { void stop() })
process.stdin.resume()
