import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { callRpc } from '../../cli/rpc/client.ts'
import { socketPath } from '../../node/config.ts'
import { waitFor } from '../fixtures/index.ts'
import { BIN, runCli, startCli, waitForLine, type CliProcess } from './run-cli.ts'

const exec = promisify(execFile)
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

describe('hyphae rpc: output into a slow pipe, and subscribe as a stream', () => {
  let root: string
  let dir: string
  let daemon: CliProcess
  let contact: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-rpc-stream-'))
    dir = join(root, 'alice')
    assert.equal((await runCli(['init', '--name', 'alice', '--no-passphrase', '--data-dir', dir])).code, 0)
    daemon = startCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    await waitForLine(daemon, /"event":"started"/)
    // a contact who never comes online: what is sent to them stays queued, on the record
    contact = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    await callRpc(socketPath(dir), 'contacts.add', { invite: contact, nickname: 'dave' })
  })
  after(async () => {
    await daemon?.stop('SIGKILL')
    await rm(root, { recursive: true, force: true })
  })

  it('prints the whole result into a pipe that reads only after a second, not the first 64 KiB', async () => {
    const text = 'x'.repeat(1000)
    await Promise.all(Array.from({ length: 120 }, async () => callRpc(socketPath(dir), 'messages.send', { contact, text })))
    const params = JSON.stringify({ contact, limit: 1000 })
    const expected = JSON.stringify(await callRpc(socketPath(dir), 'messages.list', { contact, limit: 1000 }), null, 2) + '\n'
    assert.ok(Buffer.byteLength(expected) > 2 * 65536, `the output (${Buffer.byteLength(expected)} bytes) must be larger than a pipe's buffer`)
    const command = `${quote(process.execPath)} ${quote(BIN)} rpc messages.list ${quote(params)} --data-dir ${quote(dir)} | (sleep 1; wc -c)`
    const { stdout } = await exec('sh', ['-c', command], { timeout: 60_000 })
    assert.equal(Number(stdout.trim()), Buffer.byteLength(expected))
  })

  it('subscribe prints each notification on its own JSON line until interrupted', async () => {
    const sub = startCli(['rpc', 'subscribe', '--data-dir', dir])
    try {
      const answer = JSON.parse(await waitForLine(sub, /"subscribed"/))
      assert.ok(answer.subscribed.includes('message'))
      const first = await callRpc(socketPath(dir), 'messages.send', { contact, text: 'first of two' })
      const second = await callRpc(socketPath(dir), 'messages.send', { contact, text: 'second of two' })
      const lines = await waitFor(() => {
        const found = sub.output().split('\n').filter(l => l.includes('"method":"message"')).map(l => JSON.parse(l))
        return found.length >= 2 ? found : undefined
      }, { message: () => `two message notifications; it printed:\n${sub.output()}`, timeout: 20_000 })
      assert.deepEqual(lines.map(l => [l.params.id, l.params.body]), [[first.id, 'first of two'], [second.id, 'second of two']])
      assert.equal(sub.child.exitCode, null, 'still running')
    } finally {
      assert.equal(await sub.stop('SIGINT'), 0)
    }
  })

  it('hyphae watch (and rpc subscribe --follow) print the notifications as JSON lines as they come', async () => {
    const watch = startCli(['watch', '--data-dir', dir])
    const follow = startCli(['rpc', 'subscribe', '--follow', '--data-dir', dir])
    try {
      await waitForLine(follow, /"subscribed"/)
      // watch prints no answer line: send until its subscription is in place and a line comes
      const sent: string[] = []
      const lines = await waitFor(async () => {
        const found = watch.output().split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
        if (found.length > 0) return found
        sent.push((await callRpc(socketPath(dir), 'messages.send', { contact, text: `watched ${sent.length}` })).id)
        return undefined
      }, { message: () => `a notification from watch; it printed:\n${watch.output()}`, timeout: 20_000, interval: 200 })
      assert.equal(lines[0].method, 'message')
      assert.ok(sent.includes(lines[0].params.id))
      assert.ok(lines.every(l => l.method !== undefined && l.result === undefined), 'notifications only')
      await waitForLine(follow, new RegExp(lines[0].params.id as string))
      assert.equal(watch.child.exitCode, null, 'still running')
    } finally {
      assert.equal(await watch.stop('SIGINT'), 0)
      assert.equal(await follow.stop('SIGINT'), 0)
    }
  })
})
