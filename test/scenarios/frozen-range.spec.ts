import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { exchange, messages, relayedInvite, startCensoredUser, startWebsiteRelay } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# frozen-range scenario skipped: ${unavailable}`)

const COUNT = 100
const USERS = ['alice', 'bob']
/** the "foreign hosting" range: both relays live there */
const FOREIGN = ['relay1', 'relay2']

/**
 * TSPU on foreign hosting: every TCP flow between a user and the foreign range is frozen once
 * it has carried 16 KB both ways, counted from its first byte (packets dropped, no reset).
 * Chain SPLITFLOWS counts the flows (SYNs) and SPLITBYTES the bytes that got through.
 */
async function freezeForeignRange (lab: Lab): Promise<void> {
  for (const chain of ['FROZEN', 'SPLITFLOWS', 'SPLITBYTES']) await lab.router('iptables', '-N', chain)
  await lab.router('iptables', '-A', 'FROZEN', '-j', 'DROP')
  await lab.router('iptables', '-A', 'SPLITFLOWS', '-j', 'RETURN')
  await lab.router('iptables', '-A', 'SPLITBYTES', '-j', 'RETURN')
  for (const user of USERS) {
    for (const relay of FOREIGN) {
      const [u, r] = [lab.host(user).ip, lab.host(relay).ip]
      await lab.router('iptables', '-A', 'FORWARD', '-s', u, '-d', r, '-p', 'tcp', '--syn', '-j', 'SPLITFLOWS')
      for (const [src, dst] of [[u, r], [r, u]]) {
        await lab.router('iptables', '-I', 'FORWARD', '-s', src, '-d', dst, '-m', 'connbytes', '--connbytes', '16384:', '--connbytes-dir', 'both', '--connbytes-mode', 'bytes', '-j', 'FROZEN')
        await lab.router('iptables', '-A', 'FORWARD', '-s', src, '-d', dst, '-j', 'SPLITBYTES')
      }
    }
  }
}

async function counters (lab: Lab, chain: string): Promise<{ packets: number, bytes: number }> {
  const out = await lab.router('iptables', '-L', 'FORWARD', '-v', '-x', '-n')
  let packets = 0
  let bytes = 0
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols[2] === chain) { packets += Number(cols[0]); bytes += Number(cols[1]) }
  }
  return { packets, bytes }
}

describe('freeze of the whole foreign range: every flow there stops after 16 KB (real processes, a censoring router)', { skip: unavailable }, () => {
  let lab: Lab
  before(async () => { lab = await Lab.create([...FOREIGN, ...USERS], { routed: true, tag: 'split' }) })
  after(async () => { await lab?.destroy() })

  it(`alice and bob exchange ${COUNT} messages each way through relays in the frozen range`, { timeout: 900_000 }, async () => {
    // the censor is there before anything starts: no flow to the range ever carries more than 16 KB
    await freezeForeignRange(lab)
    const relays = [await startWebsiteRelay(lab, 'relay1'), await startWebsiteRelay(lab, 'relay2')]
    const startedAt = Date.now()
    for (const name of USERS) await startCensoredUser(lab, name)
    for (const name of USERS) for (const { line } of relays) await lab.rpc(name, 'relays.add', { line })
    const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
    await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
    await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
    const slotsAt = Date.now()

    const doneAt = await exchange(lab, COUNT, 400_000)
    const delivered = (await Promise.all(USERS.map(async (name, i) => (await messages(lab, name, USERS[1 - i])).filter(m => m.direction === 'in').length))).reduce((a, b) => a + b, 0)
    assert.equal(delivered, 2 * COUNT, 'every message arrived once')

    const flows = await counters(lab, 'SPLITFLOWS')
    const passed = await counters(lab, 'SPLITBYTES')
    const frozen = await counters(lab, 'FROZEN')
    const stats = await Promise.all(USERS.map(async name => (await lab.rpc(name, 'status')).shortFlows))
    const stalls = stats.flatMap(s => s?.stallDetectionsMs ?? [])
    const flowBytes = stats.flatMap(s => s?.flowBytes ?? [])
    console.log(`# ${delivered}/${2 * COUNT} delivered; ${((doneAt - startedAt) / 1000).toFixed(1)} s from the users' start (${((slotsAt - startedAt) / 1000).toFixed(1)} s to hold slots, ${((doneAt - slotsAt) / 1000).toFixed(1)} s to exchange)`)
    console.log(`# the censor: ${flows.packets} flows to the foreign range, ${passed.bytes} bytes through (${Math.round(passed.bytes / Math.max(1, flows.packets))} per flow on average), ${frozen.packets} packets frozen`)
    console.log(`# the users: ${stats.map(s => s?.sessions ?? 0).join('+')} sessions on ${stats.map(s => s?.flows ?? 0).join('+')} short flows, TCP payload per flow ${Math.min(...flowBytes)}-${Math.max(...flowBytes)} B; ${stats.map(s => s?.stalls ?? 0).join('+')} stalls${stalls.length > 0 ? `, noticed ${stalls.map(ms => (ms / 1000).toFixed(1)).join(', ')} s after the last progress` : ''}`)
    assert.ok(stats.every(s => (s?.flows ?? 0) > 0), 'both users reached the relays on short flows')
    assert.ok(frozen.packets > 0, 'the freeze stopped the plain flows that came first')
  })
})
