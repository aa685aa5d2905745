import type { Lab } from './lab.ts'

/** What the DPI box looks for: libp2p's protocol ids in the clear. */
export const LIBP2P_SIGNATURES = ['/multistream/1.0.0', '/noise', '/yamux/1.0.0', '/ipfs/', '/meshsub/', '/libp2p/', '/hyphae/', 'libp2p.direct']

/**
 * TSPU-style DPI on the router: a packet carrying any signature is dropped and its destination
 * blocked for 5 minutes, both ways. Chain HITS counts every such packet (the canary: it must
 * stay 0 for hyphae to be invisible).
 */
export async function dpiCensor (lab: Lab, signatures: string[]): Promise<void> {
  await lab.router('iptables', '-N', 'HITS')
  await lab.router('iptables', '-A', 'HITS', '-m', 'recent', '--name', 'censored', '--set', '--rdest')
  await lab.router('iptables', '-A', 'HITS', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-m', 'recent', '--name', 'censored', '--rcheck', '--seconds', '300', '--rdest', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-m', 'recent', '--name', 'censored', '--rcheck', '--seconds', '300', '--rsource', '-j', 'DROP')
  for (const s of signatures) {
    await lab.router('iptables', '-A', 'FORWARD', '-m', 'string', '--algo', 'bm', '--string', s, '-j', 'HITS')
  }
}

/** Packets the DPI caught (and blocked the destination for). */
export async function dpiHits (lab: Lab): Promise<number> {
  return chainCounter(lab, 'HITS', 0)
}

// a TCP segment with payload (IPv4, 20-byte IP header, 32-byte TCP header as Linux sends with timestamps)
const P = '0>>22&0x3C@12>>26&0x3C@'
const DATA = '0>>22&0x3C=20&&0>>22&0x3C@12>>26&0x3C=32&&0&0xFFFF=53:65535'
const CLIENT_HELLO = `${P}0>>8=0x160301:0x160303&&${P}4>>16&0xFF=1`

/**
 * A protocol whitelister: a TCP flow lives only if its first payload is a TLS ClientHello
 * (connmark 2 allows, 1 drops); all UDP is dropped, and no connection may be opened toward
 * the users inside. Chain NOTTLS counts the flows it killed.
 */
export async function tlsOnlyCensor (lab: Lab, inside: string[]): Promise<void> {
  await lab.router('iptables', '-N', 'NOTTLS')
  await lab.router('iptables', '-A', 'NOTTLS', '-j', 'CONNMARK', '--set-mark', '1')
  await lab.router('iptables', '-A', 'NOTTLS', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-p', 'udp', '-j', 'DROP')
  for (const name of inside) {
    const link = lab.host(name).link
    if (link == null) throw new Error('the TLS-only censor needs a routed lab')
    await lab.router('iptables', '-A', 'FORWARD', '-o', link, '-p', 'tcp', '--syn', '-j', 'DROP')
  }
  await lab.router('iptables', '-A', 'FORWARD', '-p', 'tcp', '-m', 'connmark', '--mark', '1', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-p', 'tcp', '-m', 'connmark', '--mark', '0', '-m', 'u32', '--u32', DATA, '-m', 'u32', '--u32', CLIENT_HELLO, '-j', 'CONNMARK', '--set-mark', '2')
  await lab.router('iptables', '-A', 'FORWARD', '-p', 'tcp', '-m', 'connmark', '--mark', '0', '-m', 'u32', '--u32', DATA, '-j', 'NOTTLS')
}

/** Flows the whitelister killed because their first payload was not a ClientHello. */
export async function notTlsFlows (lab: Lab): Promise<number> {
  return chainCounter(lab, 'NOTTLS', 0)
}

/** Flows whose first payload was a ClientHello (proves the rule matches what it should). */
export async function tlsFlows (lab: Lab): Promise<number> {
  const out = await lab.router('iptables', '-L', 'FORWARD', '-v', '-x', '-n')
  const line = out.split('\n').find(l => l.includes('CONNMARK set 0x2'))
  return Number(line?.trim().split(/\s+/)[0] ?? 0)
}

async function chainCounter (lab: Lab, chain: string, rule: number): Promise<number> {
  const out = await lab.router('iptables', '-L', chain, '-v', '-x', '-n')
  const rows = out.split('\n').slice(2).filter(l => l.trim() !== '')
  return Number(rows[rule]?.trim().split(/\s+/)[0] ?? NaN)
}
