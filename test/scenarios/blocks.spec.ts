import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { waitFor } from '../fixtures/index.ts'
import { addressOf, messages, relayedInvite, startNode } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable()
if (unavailable != null) console.log(`# network-namespace scenarios skipped: ${unavailable}`)

async function filesContain (dir: string, needle: string): Promise<boolean> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const bytes = await readFile(join(entry.parentPath, entry.name)).catch(() => Buffer.alloc(0))
    if (bytes.includes(needle)) return true
  }
  return false
}

describe('getting through blocks (real processes in network namespaces)', { skip: unavailable }, () => {
  describe('the direct path between alice and bob is dropped', () => {
    let lab: Lab
    // one lab for both tests: the second goes on with the relay and bob the first started
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob', 'carol']) })
    after(async () => { await lab?.destroy() })

    // users are DHT clients, found by peer id only if they opt in to serving the DHT: bob does
    it('a contact behind the block, serving the DHT, is reached knowing only its peer id: the DHT gives its relay address', { timeout: 180_000 }, async () => {
      await lab.block('carol', 'bob')
      await startNode(lab, 'relay', ['relay', '--listen', lab.listen('relay'), '--no-mdns'])
      const relayAddr = await addressOf(lab, 'relay')
      await startNode(lab, 'bob', ['--listen', lab.listen('bob'), '--bootstrap', relayAddr, '--no-mdns', '--dht-server'])
      await startNode(lab, 'carol', ['--listen', lab.listen('carol'), '--bootstrap', relayAddr, '--no-mdns'])
      await relayedInvite(lab, 'bob')
      const bobId = (await lab.rpc('bob', 'id')).peerId
      await lab.rpc('carol', 'contacts.add', { invite: bobId, nickname: 'bob' })
      const sent = await lab.rpc('carol', 'messages.send', { contact: 'bob', text: 'found you by peer id' })
      await waitFor(async () => (await lab.rpc('bob', 'requests.list')).some((r: any) => r.last?.id === sent.id), { message: 'bob got carol\'s message (a request: she is not his contact)', timeout: 120_000, interval: 1000 })
      // when carol's first try to reach him times out, the message goes to bob's mailbox (and he
      // has it from there) while her outbox keeps retrying the path with backoff until his ack
      let path: any[] = []
      await waitFor(async () => (path = (await lab.rpc('carol', 'status')).peers.filter((p: any) => p.peerId === bobId)).length > 0, {
        message: () => `carol to reach bob (${JSON.stringify(path)})`, timeout: 90_000, interval: 1000
      })
      assert.ok(path.every((p: any) => p.address.includes('/p2p-circuit')), `carol reaches bob through the relay: ${JSON.stringify(path)}`)
    })

    // a first reach can time out (30 s) and leave the message in the relay mailbox, which the
    // recipient reads on its next round (every 60 s) while the outbox retries: up to ~100 s
    it('messages flow both ways through the relay, and move to a direct path when the block lifts', { timeout: 480_000 }, async () => {
      await lab.block('alice', 'bob')
      const relayAddr = await addressOf(lab, 'relay')
      await startNode(lab, 'alice', ['--listen', lab.listen('alice'), '--bootstrap', relayAddr, '--no-mdns'])
      const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
      await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
      await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })

      const hello = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'hello through the relay' })
      await waitFor(async () => (await messages(lab, 'bob', 'alice')).some(m => m.id === hello.id), { message: 'bob got alice\'s message', timeout: 150_000, interval: 500 })
      const reply = await lab.rpc('bob', 'messages.send', { contact: 'alice', text: 'and back' })
      await waitFor(async () => (await messages(lab, 'alice', 'bob')).some(m => m.id === reply.id), { message: 'alice got bob\'s reply', timeout: 150_000, interval: 500 })
      await waitFor(async () => (await messages(lab, 'alice', 'bob')).find(m => m.id === hello.id)?.status === 'delivered', { message: 'alice sees delivered', timeout: 30_000, interval: 500 })
      const bobId = (await lab.rpc('bob', 'id')).peerId
      const viaRelay = (await lab.rpc('alice', 'status')).peers.filter((p: any) => p.peerId === bobId)
      assert.ok(viaRelay.length > 0 && viaRelay.every((p: any) => p.address.includes('/p2p-circuit')), `alice reaches bob only through the relay: ${JSON.stringify(viaRelay)}`)

      await lab.unblock('alice', 'bob')
      await waitFor(async () => (await lab.rpc('alice', 'status')).peers.some((p: any) => p.peerId === bobId && !p.address.includes('/p2p-circuit')),
        { message: 'alice has a direct connection to bob after the block lifts', timeout: 90_000, interval: 1000 })
      const after = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'direct now' })
      await waitFor(async () => (await messages(lab, 'bob', 'alice')).some(m => m.id === after.id), { message: 'bob got the message after the upgrade', timeout: 60_000, interval: 500 })
    })
  })

  describe('bob is offline', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob']) })
    after(async () => { await lab?.destroy() })

    it('alice sends 20, goes away; bob starts later and gets all 20 from the relay mailbox, which held only ciphertext', { timeout: 240_000 }, async () => {
      const pcap = join(lab.host('relay').dataDir + '-capture.pcap')
      const hasTcpdump = await new Promise<boolean>(resolve => { const p = spawn('which', ['tcpdump']); p.on('close', code => { resolve(code === 0) }) })
      const capture = hasTcpdump ? spawn('ip', ['netns', 'exec', lab.host('relay').ns, 'tcpdump', '-i', 'eth0', '-U', '-s', '0', '-w', pcap], { stdio: 'ignore' }) : undefined
      try {
        const relay = await startNode(lab, 'relay', ['relay', '--listen', lab.listen('relay'), '--no-mdns'])
        const relayAddr = await addressOf(lab, 'relay')
        const alice = await startNode(lab, 'alice', ['--listen', lab.listen('alice'), '--bootstrap', relayAddr, '--no-mdns'])
        let bob = await startNode(lab, 'bob', ['--listen', lab.listen('bob'), '--bootstrap', relayAddr, '--no-mdns'])
        const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
        await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
        await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
        assert.equal(await bob.stop(), 0)

        const texts = Array.from({ length: 20 }, (_, i) => `secret plaintext number ${i} ${Math.random().toString(36).slice(2)}`)
        const ids: string[] = []
        for (const text of texts) ids.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text })).id)
        await waitFor(async () => (await messages(lab, 'alice', 'bob')).filter(m => m.status === 'sent').length === 20,
          { message: 'all 20 left in the relay mailbox', timeout: 120_000, interval: 1000 })
        assert.equal(await alice.stop(), 0)

        bob = await startNode(lab, 'bob', ['--listen', lab.listen('bob'), '--bootstrap', relayAddr, '--no-mdns'])
        const got = await waitFor(async () => {
          const list = (await messages(lab, 'bob', 'alice')).filter(m => m.direction === 'in')
          return list.length >= 20 ? list : undefined
        }, { message: 'bob got 20 messages from the mailbox', timeout: 120_000, interval: 1000 })
        assert.deepEqual(got.map(m => m.id), ids, 'all 20, once each, in order')
        assert.deepEqual(got.map(m => m.body), texts)
        // the relay deleted every envelope once bob acknowledged it
        await waitFor(async () => (await lab.rpc('relay', 'relay.stats'))?.mailbox.messages === 0, { message: 'the relay mailbox is empty', timeout: 30_000, interval: 500 })
        assert.equal(await relay.stop(), 0)

        for (const text of [...texts, 'alice']) assert.equal(await filesContain(lab.host('relay').dataDir, text), false, `relay disk holds ${JSON.stringify(text)}`)
        if (capture != null) {
          capture.kill('SIGINT')
          await new Promise(resolve => capture.on('close', resolve))
          const bytes = await readFile(pcap)
          assert.ok(bytes.includes('/noise'), 'the capture saw the connections (the plaintext protocol negotiation)')
          for (const text of texts) assert.equal(bytes.includes(text), false, `the capture holds ${JSON.stringify(text)}`)
        } else {
          console.log('# tcpdump not installed: the capture check was not run')
        }
      } finally {
        capture?.kill('SIGKILL')
      }
    })
  })

  describe('the bootstrap node is unreachable after the first run', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay', 'alice', 'bob']) })
    after(async () => { await lab?.destroy() })

    it('alice and bob reconnect from their persisted peer stores and chat', { timeout: 180_000 }, async () => {
      await startNode(lab, 'relay', ['relay', '--listen', lab.listen('relay'), '--no-mdns'])
      const relayAddr = await addressOf(lab, 'relay')
      const nodeArgs = (name: string): string[] => ['--listen', lab.listen(name), '--bootstrap', relayAddr, '--no-mdns']
      const alice = await startNode(lab, 'alice', nodeArgs('alice'))
      const bob = await startNode(lab, 'bob', nodeArgs('bob'))
      const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
      await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
      await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
      const first = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'first run' })
      await waitFor(async () => (await messages(lab, 'bob', 'alice')).some(m => m.id === first.id), { message: 'first message', timeout: 60_000, interval: 500 })
      assert.equal(await alice.stop(), 0)
      assert.equal(await bob.stop(), 0)

      // the censor cuts the bootstrap node off from both
      await lab.block('alice', 'relay')
      await lab.block('bob', 'relay')
      // the lab stops these
      await startNode(lab, 'bob', nodeArgs('bob'))
      await startNode(lab, 'alice', nodeArgs('alice'))
      const bobId = (await lab.rpc('bob', 'id')).peerId
      await waitFor(async () => (await lab.rpc('alice', 'status')).peers.some((p: any) => p.peerId === bobId), { message: 'alice reconnected to bob without the bootstrap node', timeout: 60_000, interval: 500 })
      const doctor = await lab.rpc('alice', 'doctor')
      assert.deepEqual(doctor.bootstrap, { configured: 1, connected: 0 })
      const second = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'second run, no bootstrap' })
      await waitFor(async () => (await messages(lab, 'bob', 'alice')).some(m => m.id === second.id), { message: 'message after the bootstrap node was cut', timeout: 60_000, interval: 500 })
    })
  })

  describe('the relay they use is killed mid-conversation', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['relay1', 'relay2', 'alice', 'bob']) })
    after(async () => { await lab?.destroy() })

    it('they move to the second relay and nothing acknowledged is lost', { timeout: 300_000 }, async () => {
      await lab.block('alice', 'bob')
      const relays = {
        relay1: await startNode(lab, 'relay1', ['relay', '--listen', lab.listen('relay1'), '--no-mdns']),
        relay2: await startNode(lab, 'relay2', ['relay', '--listen', lab.listen('relay2'), '--no-mdns'])
      }
      const bootstrap = [await addressOf(lab, 'relay1'), await addressOf(lab, 'relay2')].join(',')
      await startNode(lab, 'alice', ['--listen', lab.listen('alice'), '--bootstrap', bootstrap, '--no-mdns'])
      await startNode(lab, 'bob', ['--listen', lab.listen('bob'), '--bootstrap', bootstrap, '--no-mdns'])
      const relayIds = { relay1: (await lab.rpc('relay1', 'id')).peerId, relay2: (await lab.rpc('relay2', 'id')).peerId }
      // both hold slots on both relays before they swap invites
      for (const name of ['alice', 'bob']) {
        await waitFor(async () => {
          const addrs: string[] = (await lab.rpc(name, 'id')).addresses
          return Object.values(relayIds).every(id => addrs.some(a => a.includes(`/p2p/${id}/p2p-circuit`)))
        }, { message: `${name} holds slots on both relays`, timeout: 90_000, interval: 500 })
      }
      const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
      await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
      await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
      const warm = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'warm up' })
      await waitFor(async () => (await messages(lab, 'alice', 'bob')).find(m => m.id === warm.id)?.status === 'delivered', { message: 'first message delivered', timeout: 90_000, interval: 500 })

      // which relay carries alice -> bob now: kill that one in the middle of a burst
      const bobId = (await lab.rpc('bob', 'id')).peerId
      const path = (await lab.rpc('alice', 'status')).peers.find((p: any) => p.peerId === bobId && p.address.includes('/p2p-circuit'))
      assert.ok(path != null, 'alice reaches bob through a relay')
      const used = path.address.includes(relayIds.relay1) ? 'relay1' : 'relay2'
      const ids: string[] = []
      let deliveredBeforeKill: string[] = []
      for (let i = 0; i < 40; i++) {
        ids.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `burst ${i}` })).id)
        if (i === 19) {
          deliveredBeforeKill = (await messages(lab, 'alice', 'bob')).filter(m => m.status === 'delivered').map(m => m.id)
          await relays[used].stop('SIGKILL')
        }
      }
      await waitFor(async () => {
        const got = new Set((await messages(lab, 'bob', 'alice')).map(m => m.id))
        return ids.every(id => got.has(id))
      }, { message: 'bob got the whole burst through the other relay', timeout: 180_000, interval: 1000 })
      const got = (await messages(lab, 'bob', 'alice')).map(m => m.id)
      for (const id of deliveredBeforeKill) assert.ok(got.includes(id), `acknowledged ${id} is in bob's store`)
      assert.equal(new Set(got).size, got.length, 'each message stored once')
      const after = (await lab.rpc('alice', 'status')).peers.filter((p: any) => p.peerId === bobId)
      assert.ok(after.some((p: any) => !p.address.includes(relayIds[used])), `alice reaches bob another way now: ${JSON.stringify(after)}`)
    })
  })

  describe('no route to any relay, same LAN', () => {
    let lab: Lab
    before(async () => { lab = await Lab.create(['alice', 'bob']) })
    after(async () => { await lab?.destroy() })

    it('alice and bob find each other by mDNS, knowing only each other\'s peer id, and chat', { timeout: 180_000 }, async () => {
      await startNode(lab, 'alice', ['--listen', lab.listen('alice')])
      await startNode(lab, 'bob', ['--listen', lab.listen('bob')])
      const aliceId = (await lab.rpc('alice', 'id')).peerId
      const bobId = (await lab.rpc('bob', 'id')).peerId
      await lab.rpc('alice', 'contacts.add', { invite: bobId, nickname: 'bob' })
      await lab.rpc('bob', 'contacts.add', { invite: aliceId, nickname: 'alice' })
      const sent = await lab.rpc('alice', 'messages.send', { contact: 'bob', text: 'on the LAN' })
      await waitFor(async () => (await messages(lab, 'bob', 'alice')).some(m => m.id === sent.id), { message: 'bob got it over the LAN', timeout: 90_000, interval: 500 })
      const reply = await lab.rpc('bob', 'messages.send', { contact: 'alice', text: 'hi neighbour' })
      await waitFor(async () => (await messages(lab, 'alice', 'bob')).some(m => m.id === reply.id), { message: 'alice got the reply', timeout: 60_000, interval: 500 })
    })
  })
})
