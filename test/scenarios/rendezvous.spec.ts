import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../fixtures/index.ts'
import { addressOf, messages, relayedInvite, startNode } from './helpers.ts'
import { Lab, labUnavailable, type Proc } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# network-namespace scenarios skipped: ${unavailable}`)

/** waits until the host holds a slot on `relay` and on no other, and has written records naming it */
async function onlyOn (lab: Lab, name: string, relayId: string): Promise<void> {
  await waitFor(async () => {
    const status = await lab.rpc(name, 'status')
    const circuits = status.listenAddresses.filter((a: string) => a.includes('/p2p-circuit'))
    return circuits.length > 0 && circuits.every((a: string) => a.includes(`/p2p/${relayId}/p2p-circuit`)) &&
      status.rendezvous.published.some((a: string) => a.includes(`/p2p/${relayId}/p2p-circuit`))
  }, { message: `${name} holds a slot on the new relay only, and wrote its records`, timeout: 90_000, interval: 500 })
}

describe('rendezvous records across moves, the direct path dropped (real processes in network namespaces)', { skip: unavailable }, () => {
  let lab: Lab
  before(async () => { lab = await Lab.create(['relay1', 'relay2', 'alice', 'bob']) })
  after(async () => { await lab?.destroy() })

  it('alice and bob each move (relay and port) while the other is offline, then meet through the relay, the direct path dropped', { timeout: 420_000 }, async () => {
    const node = async (name: string, port: number, bootstrap: string): Promise<Proc> => startNode(lab, name, ['--listen', lab.listen(name, port), '--bootstrap', bootstrap, '--no-mdns'])
    const relay1 = await startNode(lab, 'relay1', ['relay', '--listen', lab.listen('relay1'), '--no-mdns'])
    const relay1Addr = await addressOf(lab, 'relay1')
    let alice = await node('alice', 4001, relay1Addr)
    let bob = await node('bob', 4001, relay1Addr)
    const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
    await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
    await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
    const bobId = (await lab.rpc('bob', 'id')).peerId

    // bob goes offline; relay1 is replaced by relay2; alice moves to it, on another port
    assert.equal(await bob.stop(), 0)
    await startNode(lab, 'relay2', ['relay', '--listen', lab.listen('relay2'), '--bootstrap', relay1Addr, '--no-mdns'])
    const relay2Addr = await addressOf(lab, 'relay2')
    const relay2Id = (await lab.rpc('relay2', 'id')).peerId
    assert.equal(await relay1.stop(), 0)
    assert.equal(await alice.stop(), 0)
    alice = await node('alice', 4002, relay2Addr)
    await onlyOn(lab, 'alice', relay2Id)
    assert.equal(await alice.stop(), 0)
    // then bob moves while she is away
    bob = await node('bob', 4002, relay2Addr)
    await onlyOn(lab, 'bob', relay2Id)

    // the direct path is dropped both ways; alice comes back on a third port
    await lab.block('alice', 'bob')
    alice = await node('alice', 4003, relay2Addr)
    await onlyOn(lab, 'alice', relay2Id)
    const started = Date.now()
    const hello = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'where are you now' })
    await waitFor(async () => (await messages(lab, 'alice', 'bob')).find(m => m.id === hello.id)?.status === 'delivered', { message: 'alice sees delivered', timeout: 120_000, interval: 200 })
    console.log(`# alice -> bob delivered ${Date.now() - started} ms after the send (stale peer store first, then the record)`)
    const path = (await lab.rpc('alice', 'status')).peers.filter((p: any) => p.peerId === bobId)
    assert.ok(path.length > 0 && path.every((p: any) => p.address.includes(`/p2p/${relay2Id}/p2p-circuit`)), `alice reaches bob through relay2: ${JSON.stringify(path)}`)
    const reply = await lab.rpc('bob', 'messages.send', { contact: 'alice', text: 'here' })
    await waitFor(async () => (await messages(lab, 'alice', 'bob')).some(m => m.id === reply.id), { message: 'alice got bob\'s reply', timeout: 120_000, interval: 200 })
    assert.equal(await alice.stop(), 0)
    assert.equal(await bob.stop(), 0)
  })
})
