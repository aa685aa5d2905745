import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../fixtures/index.ts'
import { parseInvite } from '../../node/invite.ts'
import { relaysOf } from '../../node/net/relay-addresses.ts'
import { addressOf, messages, relayedInvite, startNode } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# network-namespace scenarios skipped: ${unavailable}`)

const COUNT = 10
/** how long alice stays up after her last send (she closes her laptop) */
const STAYS_UP_MS = 5_000

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

describe('mail does not wait for the sender (real processes in network namespaces)', { skip: unavailable }, () => {
  let lab: Lab
  before(async () => { lab = await Lab.create(['relay1', 'relay2', 'alice', 'bob']) })
  after(async () => { await lab?.destroy() })

  it('bob is offline, the first of his two relays blocked for alice; she sends 10 and stops 5 s later; bob starts later and gets all 10 from a mailbox', { timeout: 300_000 }, async () => {
    await startNode(lab, 'relay1', ['relay', '--listen', lab.listen('relay1'), '--no-mdns'])
    await startNode(lab, 'relay2', ['relay', '--listen', lab.listen('relay2'), '--no-mdns'])
    const relayAddrs = { relay1: await addressOf(lab, 'relay1'), relay2: await addressOf(lab, 'relay2') }
    const hostOf = new Map([[(await lab.rpc('relay1', 'id')).peerId, 'relay1'], [(await lab.rpc('relay2', 'id')).peerId, 'relay2']])
    const bobArgs = ['--listen', lab.listen('bob'), '--bootstrap', `${relayAddrs.relay1},${relayAddrs.relay2}`, '--no-mdns']
    let bob = await startNode(lab, 'bob', bobArgs)
    const bobInvite = await waitFor(async () => {
      const info = await lab.rpc('bob', 'id')
      return [...hostOf.keys()].every(id => info.addresses.some((a: string) => a.includes(`/p2p/${id}/p2p-circuit`))) ? info.invite as string : undefined
    }, { message: 'bob holds slots on both relays', timeout: 90_000, interval: 500 })
    // the relay alice would try first (the first one his invite names) is the one cut off from her
    const inviteRelays = relaysOf((await parseInvite(bobInvite)).addrs).map(r => hostOf.get(r.peerId.toString()))
    assert.equal(inviteRelays.length, 2, `bob's invite names both relays: ${inviteRelays.join(',')}`)
    const [blocked, open] = inviteRelays as string[]
    await lab.block('alice', blocked)

    const alice = await startNode(lab, 'alice', ['--listen', lab.listen('alice'), '--bootstrap', relayAddrs[open as 'relay1' | 'relay2'], '--no-mdns'])
    await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
    await lab.rpc('bob', 'contacts.add', { invite: await relayedInvite(lab, 'alice'), nickname: 'alice' })
    assert.equal(await bob.stop(), 0)

    const sentAt = new Map<string, number>()
    const ids: string[] = []
    for (let i = 0; i < COUNT; i++) {
      const started = Date.now()
      const { id } = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `before the lid closes ${i}` })
      sentAt.set(id, started)
      ids.push(id)
    }
    // while she stays up, note when each message is in a mailbox (her status 'sent')
    const inMailbox = new Map<string, number>()
    const lastSend = Date.now()
    await waitFor(async () => {
      for (const m of await messages(lab, 'alice', 'bob')) if (m.status === 'sent' && !inMailbox.has(m.id)) inMailbox.set(m.id, Date.now())
      return Date.now() - lastSend >= STAYS_UP_MS
    }, { message: 'alice stays up 5 s', timeout: STAYS_UP_MS * 4, interval: 100 })
    const times = ids.filter(id => inMailbox.has(id)).map(id => (inMailbox.get(id) ?? 0) - (sentAt.get(id) ?? 0))
    console.log(`# in a mailbox before alice stopped: ${times.length}/${COUNT}` + (times.length > 0 ? `; send -> sent (ms, polled every 100): min ${Math.min(...times)} median ${median(times)} max ${Math.max(...times)}` : ''))
    const stopping = Date.now()
    assert.equal(await alice.stop(), 0)
    console.log(`# alice's daemon stopped ${Date.now() - stopping} ms after SIGTERM`)
    // besides the 10, alice's queues for bob (a control message, at her first relays) may wait there
    const held = (await lab.rpc(open, 'relay.stats'))?.mailbox.messages ?? 0
    assert.ok(held >= COUNT, `${open} holds all ${COUNT} once alice has gone (holds ${held})`)

    bob = await startNode(lab, 'bob', bobArgs)
    const got = await waitFor(async () => {
      const list = (await messages(lab, 'bob', 'alice')).filter(m => m.direction === 'in')
      return list.length >= COUNT ? list : undefined
    }, { message: `bob got all ${COUNT} from a mailbox`, timeout: 120_000, interval: 500 })
    assert.deepEqual(got.map(m => m.id), ids, 'all of them, once each, in order')
    assert.equal(await bob.stop(), 0)
  })
})
