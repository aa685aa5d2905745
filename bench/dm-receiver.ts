/**
 * The receiving end of a DM pair in its own process, as on another machine: a hyphae messenger
 * (on-disk profile, loopback TCP, no mDNS, relay client off). Prints
 * {"event":"ready","invite":...,"addr":...}; then each stdin line {"invite":...} adds that
 * contact and prints {"event":"added"}. Stops (and removes its profile) when stdin closes or on
 * SIGTERM/SIGINT.
 *
 * usage: node --import tsx bench/dm-receiver.ts
 */
import { createInterface } from 'node:readline'
import { createMessenger } from '../node/create-node.ts'
import { removeDir, tempDir } from '../test/fixtures/temp-dir.ts'

const print = (line: Record<string, unknown>): void => { process.stdout.write(JSON.stringify(line) + '\n') }
const dataDir = await tempDir('hyphae-bench-receiver-')
const messenger = await createMessenger({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, relayClient: false })

let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  await messenger.stop().catch(() => {})
  await removeDir(dataDir)
  process.exit(0)
}
process.on('SIGTERM', () => { void stop() })
process.on('SIGINT', () => { void stop() })

createInterface({ input: process.stdin })
  .on('line', line => {
    const { invite } = JSON.parse(line)
    messenger.addContact(invite, 'sender').then(() => { print({ event: 'added' }) }, err => { print({ event: 'error', message: String(err) }) })
  })
  .on('close', () => { void stop() })

const addr = messenger.libp2p.getMultiaddrs().find(a => a.toString().includes('/tcp/'))
print({ event: 'ready', invite: (await messenger.id()).invite, addr: addr?.toString() })
