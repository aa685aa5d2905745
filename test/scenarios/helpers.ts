import { waitFor } from '../fixtures/index.ts'
import { waitForLine } from '../cli/run-cli.ts'
import type { Lab, Proc } from './lab.ts'

/** Starts a daemon (or relay) in the host's namespace and waits for its "started" line. */
export async function startNode (lab: Lab, name: string, args: string[] = []): Promise<Proc> {
  const proc = lab.spawn(name, args.length > 0 && args[0] === 'relay' ? args : ['daemon', ...args])
  await waitForLine(proc, /"event":"started"/, 60_000)
  return proc
}

/** The relay's own address, to bootstrap through. */
export async function addressOf (lab: Lab, name: string): Promise<string> {
  const id = await lab.rpc(name, 'id')
  const addr = id.addresses.find((a: string) => a.includes(lab.host(name).ip) && !a.includes('p2p-circuit') && !a.includes('/ws'))
  if (addr == null) throw new Error(`${name} has no address on ${lab.host(name).ip}: ${id.addresses.join(' ')}`)
  return addr
}

/** Waits until the node holds a relay slot, then returns its invite (which then names the relay). */
export async function relayedInvite (lab: Lab, name: string): Promise<string> {
  const id = await waitFor(async () => {
    const info = await lab.rpc(name, 'id')
    return info.addresses.some((a: string) => a.includes('/p2p-circuit/')) ? info : undefined
  }, { message: `${name} holds a relay slot`, timeout: 60_000, interval: 500 })
  return id.invite
}

export async function messages (lab: Lab, name: string, contact: string, limit = 1000): Promise<any[]> {
  return lab.rpc(name, 'messages.list', { contact, limit })
}
