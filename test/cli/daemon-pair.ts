import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, startCli, waitForLine, type CliProcess } from './run-cli.ts'

const NODE_FLAGS = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

export interface DaemonPair {
  root: string
  /** data dirs */
  alice: string
  bob: string
  daemons: CliProcess[]
  stop(): Promise<void>
}

/** Two fresh profiles, alice and bob, each served by a real `hyphae daemon`; bob bootstraps through alice. */
export async function startDaemonPair (prefix: string): Promise<DaemonPair> {
  const root = await mkdtemp(join(tmpdir(), prefix))
  const alice = join(root, 'alice')
  const bob = join(root, 'bob')
  const daemons: CliProcess[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map(async d => d.stop()))
    await rm(root, { recursive: true, force: true })
  }
  try {
    for (const [dir, name] of [[alice, 'alice'], [bob, 'bob']]) assert.equal((await runCli(['init', '--name', name, '--no-passphrase', '--data-dir', dir])).code, 0)
    const a = startCli(['daemon', '--data-dir', alice, ...NODE_FLAGS])
    daemons.push(a)
    const started = JSON.parse(await waitForLine(a, /"event":"started"/))
    const b = startCli(['daemon', '--data-dir', bob, ...NODE_FLAGS, '--bootstrap', started.addresses[0]])
    daemons.push(b)
    await waitForLine(b, /"event":"started"/)
  } catch (err) {
    await stop().catch(() => {})
    throw err
  }
  return { root, alice, bob, daemons, stop }
}
