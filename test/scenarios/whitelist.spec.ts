import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { exchange, relayedInvite, startCensoredUser, startWebsiteRelay } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# whitelist scenario skipped: ${unavailable}`)

const COUNT = 100
/** on the censor's list; the entry relay shows it */
const ALLOWED_SNI = 'vk.com'

// a TCP segment with payload (as in censor.ts): the flow's first one is judged
const DATA = '0>>22&0x3C=20&&0>>22&0x3C@12>>26&0x3C=32&&0&0xFFFF=53:65535'

/**
 * A shutdown whitelist (Russian mobile networks since 2025) on `user`'s link: a SYN passes, but a
 * flow lives only if it goes to TCP 443 in the domestic range and its first payload carries an
 * allowed SNI (connmark 2 allows, 1 drops); no UDP, nothing inbound. Chain NOTLISTED counts the
 * flows it killed.
 */
async function whitelist (lab: Lab, user: string, domestic: string): Promise<void> {
  const link = lab.host(user).link!
  await lab.router('iptables', '-N', 'NOTLISTED')
  await lab.router('iptables', '-A', 'NOTLISTED', '-j', 'CONNMARK', '--set-mark', '1')
  await lab.router('iptables', '-A', 'NOTLISTED', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-i', link, '-p', 'udp', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-o', link, '-p', 'tcp', '--syn', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-p', 'tcp', '-m', 'connmark', '--mark', '1', '-j', 'DROP')
  await lab.router('iptables', '-A', 'FORWARD', '-i', link, '-p', 'tcp', '-m', 'connmark', '--mark', '0', '-d', domestic, '--dport', '443',
    '-m', 'u32', '--u32', DATA, '-m', 'string', '--algo', 'bm', '--to', '1500', '--hex-string', `|00 00 ${ALLOWED_SNI.length.toString(16).padStart(2, '0')}|${ALLOWED_SNI}`,
    '-j', 'CONNMARK', '--set-mark', '2')
  await lab.router('iptables', '-A', 'FORWARD', '-i', link, '-p', 'tcp', '-m', 'connmark', '--mark', '0', '-m', 'u32', '--u32', DATA, '-j', 'NOTLISTED')
}

async function counter (lab: Lab, chain: string, match: string): Promise<number> {
  const out = await lab.router('iptables', '-L', chain, '-v', '-x', '-n')
  const line = out.split('\n').find(l => l.includes(match))
  return Number(line?.trim().split(/\s+/)[0] ?? NaN)
}

describe('whitelist: only TCP 443 to a domestic range with an allowed SNI (real processes, a censoring router)', { skip: unavailable }, () => {
  let lab: Lab
  before(async () => { lab = await Lab.create(['abroad', 'entry', 'alice', 'bob'], { routed: true }) })
  after(async () => { await lab?.destroy() })

  it(`alice, behind it, and bob, abroad, exchange ${COUNT} messages each way through an entry relay chained to a relay abroad`, { timeout: 900_000 }, async () => {
    const abroad = await startWebsiteRelay(lab, 'abroad')
    const entry = await startWebsiteRelay(lab, 'entry', ALLOWED_SNI, ['--entry'])
    const alice = await startCensoredUser(lab, 'alice')
    const bob = await startCensoredUser(lab, 'bob')
    await whitelist(lab, 'alice', lab.host('entry').ip)
    // bob's network cannot reach the entry relay: his only path to alice is the chain
    await lab.router('iptables', '-N', 'BOBENTRY')
    await lab.router('iptables', '-A', 'BOBENTRY', '-j', 'DROP')
    for (const [src, dst] of [['bob', 'entry'], ['entry', 'bob']]) {
      await lab.router('iptables', '-I', 'FORWARD', '-s', lab.host(src).ip, '-d', lab.host(dst).ip, '-j', 'BOBENTRY')
    }

    // a user needs one entry relay line; bob knows only his relay abroad
    await lab.rpc('alice', 'relays.add', { line: entry.line })
    await lab.rpc('bob', 'relays.add', { line: abroad.line })
    const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
    assert.ok(bobInvite != null && aliceInvite != null)
    await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
    await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })

    const startedAt = Date.now()
    await exchange(lab, COUNT, 300_000)
    console.log(`# ${2 * COUNT}/${2 * COUNT} delivered, ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the first send`)

    // alice's path to bob runs through the entry relay, bob's to alice through his relay abroad
    const pathOf = async (name: string, peer: string): Promise<string> => (await lab.rpc(name, 'status')).peers.find((p: any) => p.peerId === peer)?.address ?? ''
    const alicePath = await pathOf('alice', bob)
    const bobPath = await pathOf('bob', alice)
    assert.ok(alicePath.includes(`/p2p/${entry.peerId}/p2p-circuit/p2p/${bob}`), `alice reaches bob through the entry relay: ${alicePath}`)
    assert.ok(bobPath.includes(`/p2p/${abroad.peerId}/p2p-circuit/p2p/${entry.peerId}/p2p-circuit/p2p/${alice}`), `bob is reached through his relay and the entry relay: ${bobPath}`)
    assert.ok(await counter(lab, 'FORWARD', 'CONNMARK set 0x2') >= 1, 'the whitelist let alice\'s flow to the entry relay through (its SNI match works)')
    console.log(`# the whitelist killed ${await counter(lab, 'NOTLISTED', 'CONNMARK')} other flows of alice's; bob <-> entry packets dropped: ${await counter(lab, 'BOBENTRY', 'DROP')}`)
  })
})
