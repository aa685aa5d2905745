import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli, startCli, waitForLine, type CliProcess } from './run-cli.ts'

const NODE_FLAGS = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

describe('hyphae send --wait: the delivery receipt ends the wait', { timeout: 180_000 }, () => {
  let root: string
  let alice: string
  let bob: string
  let bobDaemon: CliProcess
  let aliceDaemon: CliProcess | undefined

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-send-wait-'))
    alice = join(root, 'alice')
    bob = join(root, 'bob')
    for (const [dir, name] of [[alice, 'alice'], [bob, 'bob']]) assert.equal((await runCli(['init', '--name', name, '--no-passphrase', '--data-dir', dir])).code, 0)
    bobDaemon = startCli(['daemon', '--data-dir', bob, ...NODE_FLAGS])
    await waitForLine(bobDaemon, /"event":"started"/)
    const invite = JSON.parse((await runCli(['id', '--json', '--data-dir', bob])).stdout).invite
    const added = await runCli(['contacts', 'add', invite, '--name', 'bob', '--data-dir', alice, ...NODE_FLAGS])
    assert.equal(added.code, 0, added.stderr)
  })
  after(async () => {
    await Promise.all([bobDaemon?.stop('SIGKILL'), aliceDaemon?.stop('SIGKILL')])
    await rm(root, { recursive: true, force: true })
  })

  it('without a daemon: the node run for the command delivers and says so', async () => {
    const sent = await runCli(['send', 'bob', 'from a one-off node', '--wait', '60', '--data-dir', alice, ...NODE_FLAGS])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout.trim(), /^[0-9a-f]{32} delivered: they have it$/)
  })

  it('through alice\'s daemon: the receipt comes as a notification', async () => {
    aliceDaemon = startCli(['daemon', '--data-dir', alice, ...NODE_FLAGS])
    await waitForLine(aliceDaemon, /"event":"started"/)
    const sent = await runCli(['send', 'bob', 'through the daemon', '--wait', '60', '--data-dir', alice])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout.trim(), /^[0-9a-f]{32} delivered: they have it$/)
    const aliceId = JSON.parse((await runCli(['id', '--json', '--data-dir', alice])).stdout).peerId
    const page = JSON.parse((await runCli(['messages', aliceId, '--json', '--data-dir', bob])).stdout)
    assert.deepEqual(page.map((m: any) => m.body), ['from a one-off node', 'through the daemon'])
  })
})
