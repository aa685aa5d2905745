import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { formatRelayLine } from '../../node/net/relay-list.ts'
import { waitFor } from '../fixtures/index.ts'
import { messages, relayedInvite, startNode } from './helpers.ts'
import { Lab, labUnavailable } from './lab.ts'

const unavailable = await labUnavailable(['danted'])
if (unavailable != null) console.log(`# proxy scenario skipped: ${unavailable}`)

const COUNT = 10

/** Dante, Debian's SOCKS5 server, on the proxy host, open to anyone (it is the lab's). */
function danteConfig (ip: string): string {
  return `logoutput: stderr
internal: ${ip} port = 1080
external: ${ip}
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
`
}

describe('through a SOCKS5 proxy (real hyphae and dante processes, a router that lets alice reach only the proxy)', { skip: unavailable }, () => {
  let lab: Lab
  before(async () => { lab = await Lab.create(['relay', 'proxy', 'alice', 'bob'], { routed: true }) })
  after(async () => { await lab?.destroy() })

  it(`alice, whose network lets her reach only a proxy, chats with bob through it: ${COUNT} messages each way, not one packet elsewhere`, { timeout: 300_000 }, async () => {
    const alice = lab.host('alice').ip
    const proxy = lab.host('proxy').ip
    // alice may talk to the proxy and nothing else; chain DIRECT counts what she tried beyond it
    await lab.router('iptables', '-N', 'DIRECT')
    await lab.router('iptables', '-A', 'DIRECT', '-j', 'DROP')
    await lab.router('iptables', '-A', 'FORWARD', '-s', alice, '-d', proxy, '-j', 'ACCEPT')
    await lab.router('iptables', '-A', 'FORWARD', '-s', proxy, '-d', alice, '-j', 'ACCEPT')
    await lab.router('iptables', '-A', 'FORWARD', '-s', alice, '-j', 'DIRECT')
    await lab.router('iptables', '-A', 'FORWARD', '-d', alice, '-j', 'DROP')

    const dir = join(lab.host('proxy').dataDir)
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'danted.conf'), danteConfig(proxy))
    const dante = lab.spawnProgram('proxy', ['danted', '-f', join(dir, 'danted.conf'), '-p', join(dir, 'danted.pid')])
    await waitFor(async () => (await lab.inHost('proxy', 'ss', '-ltn')).includes(`${proxy}:1080`), { message: () => `dante listening (${dante.output()})`, timeout: 20_000 })

    await startNode(lab, 'relay', ['relay', '--website', `${lab.host('relay').ip}:443`, '--tls-name', 'www.example.org', '--no-mdns'])
    const address = (await lab.rpc('relay', 'id')).addresses.find((a: string) => a.includes('/http-path/'))
    const line = formatRelayLine(multiaddr(address))
    await startNode(lab, 'alice', ['--proxy', `socks5://${proxy}:1080`])
    await startNode(lab, 'bob', ['--censored', '--no-mdns', '--listen', `/ip4/${lab.host('bob').ip}/tcp/4001`])
    for (const name of ['alice', 'bob']) await lab.rpc(name, 'relays.add', { line })
    const [aliceInvite, bobInvite] = await Promise.all([relayedInvite(lab, 'alice'), relayedInvite(lab, 'bob')])
    const aliceId = await lab.rpc('alice', 'id')
    assert.ok(aliceId.addresses.every((a: string) => a.includes('/p2p-circuit/')), `behind a proxy alice listens only through the relay: ${aliceId.addresses.join(' ')}`)
    await lab.rpc('alice', 'contacts.add', { invite: bobInvite, nickname: 'bob' })
    await lab.rpc('bob', 'contacts.add', { invite: aliceInvite, nickname: 'alice' })
    const sent = { alice: [] as string[], bob: [] as string[] }
    for (let i = 0; i < COUNT; i++) {
      sent.alice.push((await lab.rpc('alice', 'messages.send', { contact: 'bob', text: `via the proxy ${i}` })).id)
      sent.bob.push((await lab.rpc('bob', 'messages.send', { contact: 'alice', text: `to the proxy ${i}` })).id)
    }
    for (const [from, to] of [['alice', 'bob'], ['bob', 'alice']] as const) {
      await waitFor(async () => {
        const got = new Set((await messages(lab, to, from)).map(m => m.id))
        return sent[from].every(id => got.has(id))
      }, { message: `${to} got all of ${from}'s messages`, timeout: 120_000, interval: 1000 })
    }
    const direct = await lab.router('iptables', '-L', 'DIRECT', '-v', '-x', '-n')
    const tried = Number(direct.split('\n').slice(2).find(l => l.trim() !== '')?.trim().split(/\s+/)[0])
    assert.equal(tried, 0, `alice sent packets somewhere other than the proxy:\n${direct}`)
  })
})
