import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli, startCli, waitForLine } from './run-cli.ts'

describe('hyphae daemon + hyphae rpc (real processes)', () => {
  let root: string
  const daemons: Array<ReturnType<typeof startCli>> = []

  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-daemon-')) })
  after(async () => {
    await Promise.all(daemons.map(async d => d.stop('SIGKILL')))
    await rm(root, { recursive: true, force: true })
  })

  it('serves status on a 0600 socket, two daemons connect, SIGTERM stops cleanly', async () => {
    const alice = join(root, 'alice')
    const bob = join(root, 'bob')
    assert.equal((await runCli(['init', '--name', 'alice', '--data-dir', alice])).code, 0)

    // alice opts in to serve the DHT (a LAN with no relay); bob is an ordinary user
    const a = startCli(['daemon', '--data-dir', alice, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--dht-server'])
    daemons.push(a)
    const started = JSON.parse(await waitForLine(a, /"event":"started"/))
    assert.match(started.peerId, /^12D3KooW/)
    assert.equal((await stat(started.socket)).mode & 0o777, 0o600)

    const statusA = await runCli(['rpc', 'status', '--data-dir', alice])
    assert.equal(statusA.code, 0, statusA.stderr)
    const sa = JSON.parse(statusA.stdout)
    assert.equal(sa.peerId, started.peerId)
    assert.equal(sa.nickname, 'alice')
    assert.equal(sa.connections, 0)
    assert.equal(sa.reachability, 'offline')
    assert.equal(sa.dht.mode, 'server')

    // bob is created on first start, joins through alice
    const b = startCli(['daemon', '--data-dir', bob, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--bootstrap', started.addresses[0]])
    daemons.push(b)
    await waitForLine(a, /"event":"peer:connect"/)
    const sb = JSON.parse((await runCli(['rpc', 'status', '--data-dir', bob])).stdout)
    assert.deepEqual(sb.peers.map((p: any) => p.peerId), [started.peerId])
    assert.equal(sb.dht.mode, 'client')

    // `hyphae id` goes through the running daemon (the profile is locked by it)
    const id = await runCli(['id', '--json', '--data-dir', alice])
    assert.equal(id.code, 0, id.stderr)
    assert.equal(JSON.parse(id.stdout).peerId, started.peerId)
    assert.match(JSON.parse(id.stdout).invite, /^hyphae:\/\/invite\//)

    // an unknown method is a JSON-RPC error, not a crash
    const bad = await runCli(['rpc', 'no.such.method', '--data-dir', alice])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /method not found/i)

    assert.equal(await a.stop('SIGTERM'), 0)
    assert.match(a.output(), /"event":"stopped"/)
    await assert.rejects(stat(started.socket), { code: 'ENOENT' })
    assert.equal(await b.stop('SIGINT'), 0)
  })

  it('a second process on a running profile gets one clear line and exit 1', async () => {
    const dir = join(root, 'locked')
    const a = startCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    daemons.push(a)
    await waitForLine(a, /"event":"started"/)
    const second = await runCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    assert.equal(second.code, 1)
    assert.match(second.stderr, /in use by another hyphae process/)
    assert.equal(second.stderr.trim().split('\n').length, 1)
    // the first one still answers
    assert.equal((await runCli(['rpc', 'ping', '--data-dir', dir])).stdout.trim(), '"pong"')
    assert.equal(await a.stop(), 0)
  })

  it('rpc without a daemon says so', async () => {
    const r = await runCli(['rpc', 'status', '--data-dir', join(root, 'nobody')])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /no hyphae daemon is listening/)
  })
})
