import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { formatRelayLine } from '../../node/net/relay-list.ts'
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

/** A relay, a website on 443 showing `sni` (and any more relay flags); returns the relay line users are handed. */
export async function startWebsiteRelay (lab: Lab, name = 'relay', sni = 'www.example.org', more: string[] = []): Promise<{ line: string, peerId: string }> {
  const relay = await startNode(lab, name, ['relay', '--website', `${lab.host(name).ip}:443`, '--tls-name', sni, '--no-mdns', ...more])
  const id = await lab.rpc(name, 'id')
  const address = id.addresses.find((a: string) => a.includes(lab.host(name).ip) && a.includes('/http-path/'))
  assert.ok(address != null, `the relay announces its website address: ${id.addresses.join(' ')}`)
  assert.ok(id.addresses.every((a: string) => a.includes('/tls/')), `a website relay listens on nothing else: ${id.addresses.join(' ')}`)
  // the operator reads the line off the relay's log
  const logged = /"event":"relay-line","line":"([^"]+)"/.exec(relay.output())
  assert.equal(logged?.[1], formatRelayLine(multiaddr(address)))
  return { line: logged[1], peerId: id.peerId }
}

export async function startCensoredUser (lab: Lab, name: string): Promise<string> {
  await startNode(lab, name, ['--censored', '--no-mdns', '--listen', `/ip4/${lab.host(name).ip}/tcp/4001`])
  return (await lab.rpc(name, 'id')).peerId
}

/**
 * Alice and Bob each send `count` messages to the other, then wait until each has every one of
 * the other's; returns when the last arrived (ms since epoch).
 */
export async function exchange (lab: Lab, count: number, timeout: number): Promise<number> {
  const sent = { alice: [] as string[], bob: [] as string[] }
  for (let i = 0; i < count; i++) {
    sent.alice.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `from alice ${i}` })).id)
    sent.bob.push((await lab.rpc('bob', 'messages.send', { contact: 'alice', text: `from bob ${i}` })).id)
  }
  for (const [from, to] of [['alice', 'bob'], ['bob', 'alice']] as const) {
    await waitFor(async () => {
      const got = new Set((await messages(lab, to, from)).filter(m => m.direction === 'in').map(m => m.id))
      return sent[from].every(id => got.has(id))
    }, { message: `${to} got all ${count} of ${from}'s messages`, timeout, interval: 1000 })
  }
  return Date.now()
}
