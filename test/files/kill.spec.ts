import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { callRpc } from '../../cli/rpc/client.ts'
import { runCli, startCli, waitForLine, type CliProcess } from '../cli/run-cli.ts'
import { removeDir, tempDir, waitFor } from '../fixtures/index.ts'
import { freePorts } from '../messaging/helpers.ts'
import { randomFile, sha256Of } from './helpers.ts'
import type { FileInfo } from '../../node/messenger.ts'

const ENV = { HYPHAE_PASSPHRASE: '' }
/** 64 MiB; HYPHAE_FILES_MIB=200 for the 200 MiB run (about a minute on 2 loaded cores) */
const SIZE = Number(process.env.HYPHAE_FILES_MIB ?? 64) << 20

interface Daemon { proc: CliProcess, socket: string, peerId: string }

describe('a large transfer survives kill -9 of both sides (real hyphae daemons)', { timeout: 600_000 }, () => {
  let root: string
  let ports: number[]
  const procs: CliProcess[] = []

  before(async () => {
    root = await tempDir('hyphae-files-kill-')
    ports = await freePorts(2)
  })
  after(async () => {
    await Promise.all(procs.map(async p => p.stop('SIGKILL')))
    await removeDir(root)
  })

  async function start (name: string, port: number): Promise<Daemon> {
    const proc = startCli(['daemon', '--data-dir', `${root}/${name}`, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--no-mdns'], ENV)
    procs.push(proc)
    const started = JSON.parse(await waitForLine(proc, /"event":"started"/, 60_000))
    return { proc, socket: started.socket, peerId: started.peerId }
  }

  async function rpc (d: Daemon, method: string, params: unknown = {}): Promise<any> {
    return callRpc(d.socket, method, params, { timeout: 30_000 })
  }

  async function fileOn (d: Daemon, id: string): Promise<FileInfo | undefined> {
    return (await rpc(d, 'files.list') as FileInfo[]).find(f => f.id === id)
  }

  it('the receiver goes on from its last checkpoint and ends with the same SHA-256', async () => {
    for (const name of ['alice', 'bob']) assert.equal((await runCli(['init', '--no-passphrase', '--name', name, '--data-dir', `${root}/${name}`], ENV)).code, 0)
    const alice = await start('alice', ports[0])
    let bob = await start('bob', ports[1])
    await rpc(alice, 'contacts.add', { invite: (await rpc(bob, 'id')).invite })
    await rpc(bob, 'contacts.add', { invite: (await rpc(alice, 'id')).invite })
    const { path, sha256 } = await randomFile(root, 'video.mp4', SIZE)
    const sent = await rpc(alice, 'files.send', { contact: bob.peerId, path })
    await waitFor(async () => fileOn(bob, sent.file.id), { message: 'the offer', timeout: 60_000 })
    await rpc(bob, 'files.accept', { file: sent.file.id })

    // mid-transfer, the sender dies, then the receiver
    const partway = await waitFor(async () => {
      const f = await fileOn(bob, sent.file.id)
      return f != null && f.received >= SIZE / 10 ? f : undefined
    }, { message: 'a tenth of the file', timeout: 300_000, interval: 20 })
    assert.ok(partway.received < SIZE, 'the transfer was over before it could be interrupted')
    await alice.proc.stop('SIGKILL')
    // the sender dies, then the receiver, once it has noticed (its connection to her is gone)
    await waitFor(async () => !(await rpc(bob, 'status')).peers.some((p: { peerId: string }) => p.peerId === alice.peerId), { message: 'bob to lose alice', timeout: 60_000, interval: 100 })
    await bob.proc.stop('SIGKILL')

    // the receiver comes back alone: it holds what it had checkpointed, and still wants the rest
    bob = await start('bob', ports[1])
    const resumed = await fileOn(bob, sent.file.id)
    assert.equal(resumed?.state, 'downloading')
    assert.ok(resumed.received > 0 && resumed.received < SIZE, `${resumed.received} bytes held after the restart`)

    await start('alice', ports[0])
    const done = await waitFor(async () => {
      const f = await fileOn(bob, sent.file.id)
      if (f?.state === 'failed') throw new Error(f.error)
      return f?.state === 'complete' ? f : undefined
    }, { message: 'the file complete', timeout: 300_000, interval: 200 })
    assert.equal(await sha256Of(done.savedTo!), sha256)
  })
})
