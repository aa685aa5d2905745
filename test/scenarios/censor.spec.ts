import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../fixtures/index.ts'
import { dpiCensor, dpiHits, LIBP2P_SIGNATURES, notTlsFlows, tlsFlows, tlsOnlyCensor } from './censor.ts'
import { messages, relayedInvite, startCensoredUser, startWebsiteRelay } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# censor scenarios skipped: ${unavailable}`)

const COUNT = 100
/** sent while the path in use is frozen */
const FROZEN_COUNT = 200
/** Alice and Bob, each behind the censor, add the relay line and each other, and exchange COUNT messages both ways. */
async function exchange (lab: Lab, line: string): Promise<void> {
  for (const name of ['alice', 'bob']) {
    const added = await lab.rpc(name, 'relays.add', { line })
    assert.equal(added.tls, true)
  }
  const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
  await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
  await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
  const sent = { alice: [] as string[], bob: [] as string[] }
  for (let i = 0; i < COUNT; i++) {
    sent.alice.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `from alice ${i}` })).id)
    sent.bob.push((await lab.rpc('bob', 'messages.send', { contact: 'alice', text: `from bob ${i}` })).id)
  }
  for (const [from, to, peer] of [['alice', 'bob', 'alice'], ['bob', 'alice', 'bob']] as const) {
    await waitFor(async () => {
      const got = new Set((await messages(lab, to, peer)).filter(m => m.direction === 'in').map(m => m.id))
      return sent[from].every(id => got.has(id))
    }, { message: `${to} got all ${COUNT} of ${from}'s messages`, timeout: 240_000, interval: 1000 })
    await waitFor(async () => (await messages(lab, from, to)).filter(m => m.direction === 'out' && (m.status === 'delivered' || m.status === 'read')).length === COUNT,
      { message: `${from} sees all ${COUNT} delivered`, timeout: 60_000, interval: 1000 })
  }
}

describe('through a censor that reads the traffic (real processes, a censoring router)', { skip: unavailable }, () => {
  describe('DPI: libp2p signatures dropped, their destination blocked for 5 minutes', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob'], { routed: true }) })
    after(async () => { await lab?.destroy() })

    it(`alice and bob exchange ${COUNT} messages each way through a website relay abroad, and no signature crosses`, { timeout: 600_000 }, async () => {
      const relay = await startWebsiteRelay(lab)
      const alice = await startCensoredUser(lab, 'alice')
      const bob = await startCensoredUser(lab, 'bob')
      // peer ids are signatures too: a censor that has listed users greps for them
      await dpiCensor(lab, [...LIBP2P_SIGNATURES, relay.peerId, alice, bob])
      await exchange(lab, relay.line)
      assert.equal(await dpiHits(lab), 0, 'packets carrying a libp2p signature or a peer id crossed the censor')
    })
  })

  describe('TLS only: a flow lives only if its first payload is a ClientHello; no UDP, nothing inbound', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob'], { routed: true }) })
    after(async () => { await lab?.destroy() })

    it(`alice and bob exchange ${COUNT} messages each way through a website relay abroad`, { timeout: 600_000 }, async () => {
      await tlsOnlyCensor(lab, ['alice', 'bob'])
      const relay = await startWebsiteRelay(lab)
      await startCensoredUser(lab, 'alice')
      await startCensoredUser(lab, 'bob')
      await exchange(lab, relay.line)
      assert.ok(await tlsFlows(lab) >= 2, 'the censor saw the users\' TLS flows (its ClientHello match works)')
      assert.equal(await notTlsFlows(lab), 0, 'a hyphae flow began with something other than a ClientHello')
    })
  })

  describe('freeze: a flow to the relay in use stops after 16 KB, no reset (TSPU to foreign hosting)', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay1', 'relay2', 'alice', 'bob'], { routed: true }) })
    after(async () => { await lab?.destroy() })

    it('the frozen path is noticed and closed while messages wait, and they go out another way', { timeout: 600_000 }, async () => {
      const relays = [await startWebsiteRelay(lab, 'relay1'), await startWebsiteRelay(lab, 'relay2')]
      await startCensoredUser(lab, 'alice')
      await startCensoredUser(lab, 'bob')
      for (const name of ['alice', 'bob']) for (const { line } of relays) await lab.rpc(name, 'relays.add', { line })
      // both hold a slot on both relays, so each is reachable through either
      for (const name of ['alice', 'bob']) {
        await waitFor(async () => (await lab.rpc(name, 'id')).addresses.filter((a: string) => a.includes('/p2p-circuit/')).length >= 2,
        { message: `${name} holds slots on both relays`, timeout: 90_000, interval: 1000 })
      }
      const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
      await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
      await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
      const first = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'before the freeze' })
      await waitFor(async () => (await messages(lab, 'alice', 'bob')).find(m => m.id === first.id)?.status === 'delivered', { message: 'the first message delivered', timeout: 120_000, interval: 500 })

      // freeze every flow between alice and the relay her path to bob goes through
      const bobId = (await lab.rpc('bob', 'id')).peerId
      const path = (await lab.rpc('alice', 'status')).peers.find((p: any) => p.peerId === bobId)?.address as string
      const used = relays.findIndex(r => path?.includes(r.peerId))
      assert.ok(used >= 0, `alice reaches bob through a relay: ${path}`)
      const relayIp = lab.host(`relay${used + 1}`).ip
      const aliceIp = lab.host('alice').ip
      await lab.router('iptables', '-N', 'FROZEN')
      await lab.router('iptables', '-A', 'FROZEN', '-j', 'DROP')
      for (const [src, dst] of [[aliceIp, relayIp], [relayIp, aliceIp]]) {
        await lab.router('iptables', '-I', 'FORWARD', '-s', src, '-d', dst, '-m', 'connbytes', '--connbytes', '16384:', '--connbytes-dir', 'both', '--connbytes-mode', 'bytes', '-j', 'FROZEN')
      }
      const sent: string[] = []
      const frozeAt = Date.now()
      for (let i = 0; i < FROZEN_COUNT; i++) sent.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `during the freeze ${i} ${'x'.repeat(1000)}` })).id)
      await waitFor(async () => {
        const got = new Set((await messages(lab, 'bob', 'alice')).map(m => m.id))
        return sent.every(id => got.has(id))
      }, { message: `bob got all ${FROZEN_COUNT} sent during the freeze`, timeout: 240_000, interval: 1000 })
      // reported, not asserted: how long the freeze held the messages up, and each stall's detection
      console.log(`# all ${FROZEN_COUNT} reached bob ${((Date.now() - frozeAt) / 1000).toFixed(1)} s after the freeze`)
      const detections: number[] = (await lab.rpc('alice', 'status')).stallDetectionsMs
      console.log(`# stalls noticed ${detections.map(ms => (ms / 1000).toFixed(1)).join(', ')} s after the last ack`)
      const frozen = await lab.router('iptables', '-L', 'FROZEN', '-v', '-x', '-n')
      assert.ok(Number(frozen.split('\n').slice(2).find(l => l.trim() !== '')?.trim().split(/\s+/)[0]) > 0, `the freeze dropped packets:\n${frozen}`)
      const status = await lab.rpc('alice', 'status')
      assert.ok(status.stalledConnectionsClosed >= 1, `alice closed the frozen path while messages waited: ${JSON.stringify(status)}`)
    })
  })
})
