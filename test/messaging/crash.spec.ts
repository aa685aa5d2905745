import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { callRpc } from '../../cli/rpc/client.ts'
import { runCli, startCli, waitForLine } from '../cli/run-cli.ts'
import { waitFor } from '../fixtures/index.ts'
import { body, freePorts, RpcSession } from './helpers.ts'
import type { MessageRecord } from '../../node/messenger.ts'

// no passphrase from the environment: the profiles are created unencrypted
const ENV = { HYPHAE_PASSPHRASE: '' }

interface Daemon {
  proc: ReturnType<typeof startCli>
  dir: string
  port: number
  peerId: string
  socket: string
}

describe('direct messages survive kill -9 (real hyphae daemons)', { timeout: 420_000 }, () => {
  let root: string
  let ports: number[]
  const procs: Array<ReturnType<typeof startCli>> = []

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-crash-'))
    ports = await freePorts(4)
  })

  after(async () => {
    await Promise.all(procs.map(async p => p.stop('SIGKILL')))
    await rm(root, { recursive: true, force: true, maxRetries: 3 })
  })

  async function startDaemon (dir: string, port: number): Promise<Daemon> {
    const proc = startCli(['daemon', '--data-dir', dir, '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--no-mdns'], ENV)
    procs.push(proc)
    const started = JSON.parse(await waitForLine(proc, /"event":"started"/, 60_000))
    assert.ok(started.addresses.some((a: string) => a.includes(`/tcp/${port}/`)), `listening on ${port}: ${started.addresses}`)
    return { proc, dir, port, peerId: started.peerId, socket: started.socket }
  }

  /** `hyphae rpc METHOD JSON --data-dir DIR`, as a user would type it. */
  async function rpc (dir: string, method: string, params?: unknown): Promise<any> {
    const args = ['rpc', method, ...(params != null ? [JSON.stringify(params)] : []), '--data-dir', dir]
    const result = await runCli(args, ENV)
    assert.equal(result.code, 0, `hyphae ${args.join(' ')}: ${result.stderr}`)
    return JSON.parse(result.stdout)
  }

  async function invite (dir: string): Promise<string> {
    const result = await runCli(['id', '--json', '--data-dir', dir], ENV)
    assert.equal(result.code, 0, result.stderr)
    return JSON.parse(result.stdout).invite
  }

  /**
   * Waits like waitFor; on a timeout the error also tells what each daemon reported (status,
   * outbox, connections) and the end of its log, so a failure can be diagnosed from the output.
   */
  async function waitForDaemons (daemons: Record<string, Daemon>, condition: () => boolean | Promise<boolean>, options: Parameters<typeof waitFor>[1]): Promise<void> {
    try {
      await waitFor(condition, options)
    } catch (err: any) {
      const lines: string[] = []
      for (const [name, d] of Object.entries(daemons)) {
        const status = await callRpc(d.socket, 'status', {}, { timeout: 5_000 }).catch((e: Error) => ({ error: e.message }))
        lines.push(`${name} (${d.peerId}, pid ${d.proc.child.pid}): ${JSON.stringify({ outbox: status.outbox, connections: status.connections, peers: status.peers, error: status.error })}`)
        lines.push(...d.proc.output().trim().split('\n').slice(-15).map(l => `  ${name}| ${l}`))
      }
      err.message += `\n${lines.join('\n')}`
      throw err
    }
  }

  async function conversation (d: Daemon, contact: string): Promise<MessageRecord[]> {
    return callRpc(d.socket, 'messages.list', { contact, limit: 1000 }, { timeout: 10_000 })
  }

  /** Two profiles with their daemons running, each the other's contact. */
  async function pair (name: string, senderPort: number, recipientPort: number): Promise<{ sender: Daemon, recipient: Daemon }> {
    const senderDir = join(root, `${name}-sender`)
    const recipientDir = join(root, `${name}-recipient`)
    for (const [dir, nick] of [[senderDir, 'sender'], [recipientDir, 'recipient']]) {
      const init = await runCli(['init', '--no-passphrase', '--name', nick, '--data-dir', dir], ENV)
      assert.equal(init.code, 0, init.stderr)
    }
    const sender = await startDaemon(senderDir, senderPort)
    const recipient = await startDaemon(recipientDir, recipientPort)
    // the invites come from the running daemons, so they name the fixed ports
    await rpc(senderDir, 'contacts.add', { invite: await invite(recipientDir) })
    await rpc(recipientDir, 'contacts.add', { invite: await invite(senderDir) })
    return { sender, recipient }
  }

  it('kill -9 of the sender with a full outbox: after restart each message is delivered once, in order', async () => {
    const COUNT = 30
    let { sender, recipient } = await pair('outbox', ports[0], ports[1])
    // the recipient is not running while the sender writes
    assert.equal(await recipient.proc.stop('SIGTERM'), 0)

    const ids: string[] = []
    for (let i = 0; i < COUNT; i++) {
      const sent = await rpc(sender.dir, 'messages.send', { contact: recipient.peerId, text: body('outbox', i) })
      assert.equal(sent.status, 'queued')
      ids.push(sent.id)
    }
    const status = await callRpc(sender.socket, 'status')
    assert.equal(status.outbox, COUNT, 'all waiting in the outbox')

    await sender.proc.stop('SIGKILL')
    assert.equal(sender.proc.child.signalCode, 'SIGKILL')

    const restarted = Date.now()
    recipient = await startDaemon(recipient.dir, recipient.port)
    sender = await startDaemon(sender.dir, sender.port)

    let last: { received: number, delivered: number, outbox: number } | undefined
    await waitForDaemons({ sender, recipient }, async () => {
      const received = (await conversation(recipient, sender.peerId)).filter(m => m.direction === 'in')
      const mine = (await conversation(sender, recipient.peerId)).filter(m => m.status === 'delivered')
      const outbox = (await callRpc(sender.socket, 'status')).outbox
      last = { received: received.length, delivered: mine.length, outbox }
      return received.length >= COUNT && mine.length === COUNT && outbox === 0
    }, { timeout: 90_000, interval: 250, message: () => `all ${COUNT} delivered after the restart; last: ${JSON.stringify(last)}` })
    console.log(`sender killed with ${COUNT} queued: all delivered ${((Date.now() - restarted) / 1000).toFixed(1)} s after both daemons were started again`)

    const received = (await conversation(recipient, sender.peerId)).filter(m => m.direction === 'in')
    assert.equal(received.length, COUNT, 'each message once')
    assert.deepEqual(received.map(m => m.id), ids, 'in the order sent')
    assert.deepEqual(received.map(m => m.body), ids.map((_, i) => body('outbox', i)))
    const mine = (await conversation(sender, recipient.peerId)).filter(m => m.direction === 'out')
    assert.deepEqual(mine.map(m => m.status), ids.map(() => 'delivered'))

    assert.equal(await sender.proc.stop('SIGTERM'), 0)
    assert.equal(await recipient.proc.stop('SIGTERM'), 0)
  })

  it('kill -9 of the receiver in the middle of a burst: nothing acknowledged is lost, nothing is stored twice', async () => {
    const COUNT = 300
    const made = await pair('burst', ports[2], ports[3])
    const sender = made.sender
    let recipient = made.recipient
    const session = await RpcSession.open(sender.socket)
    try {
      assert.ok((await session.call('subscribe')).subscribed.includes('receipt'), 'subscribed to receipts')
      const killAt = 20 + Math.floor(Math.random() * 200)
      const delivered = new Set<string>()
      const ids: string[] = []
      let seenBeforeKill: string[] | undefined
      let sentBeforeKill = 0
      session.onNotification = (method, params) => {
        if (method !== 'receipt' || params.status !== 'delivered') return
        delivered.add(params.id)
        if (seenBeforeKill == null && delivered.size >= killAt) {
          seenBeforeKill = [...delivered]
          sentBeforeKill = ids.length
          recipient.proc.child.kill('SIGKILL')
        }
      }

      // one request at a time on one connection, so the daemon queues them in this order
      for (let i = 0; i < COUNT; i++) {
        const sent = await session.call('messages.send', { contact: recipient.peerId, text: body('burst', i) })
        ids.push(sent.id)
      }
      await waitFor(() => seenBeforeKill != null, { timeout: 60_000, message: () => `${killAt} deliveries before the kill (${delivered.size} so far)` })
      await recipient.proc.stop()
      assert.equal(recipient.proc.child.signalCode, 'SIGKILL')
      const acked = seenBeforeKill ?? []
      console.log(`receiver killed after ${acked.length} deliveries, with ${sentBeforeKill} of ${COUNT} sent`)
      assert.ok(acked.length < COUNT, 'killed before the end of the burst')

      const restarted = Date.now()
      recipient = await startDaemon(recipient.dir, recipient.port)
      await waitForDaemons({ sender, recipient }, () => delivered.size === COUNT, {
        timeout: 120_000,
        interval: 250,
        message: () => `all ${COUNT} delivered after the receiver restarted (${delivered.size} so far)`
      })
      console.log(`all ${COUNT} delivered ${((Date.now() - restarted) / 1000).toFixed(1)} s after the receiver was started again`)

      const received = (await conversation(recipient, sender.peerId)).filter(m => m.direction === 'in')
      const receivedIds = new Set(received.map(m => m.id))
      assert.deepEqual(acked.filter(id => !receivedIds.has(id)), [], 'every message acknowledged before the kill is in the receiver\'s store')
      assert.equal(received.length, COUNT, 'each message once')
      assert.equal(receivedIds.size, COUNT)
      assert.deepEqual(received.map(m => m.id), ids, 'all of them, in the order sent')
      assert.deepEqual(received.map(m => m.body), ids.map((_, i) => body('burst', i)))

      const mine = (await conversation(sender, recipient.peerId)).filter(m => m.direction === 'out')
      assert.deepEqual(mine.map(m => m.status), ids.map(() => 'delivered'))
      assert.equal((await callRpc(sender.socket, 'status')).outbox, 0)

      // the ratchet state on both sides came through the kill in step with the messages: the
      // session still works both ways (a state ahead of or behind its messages would not open)
      await callRpc(recipient.socket, 'messages.send', { contact: sender.peerId, text: 'still in step' }, { timeout: 10_000 })
      await waitForDaemons({ sender, recipient }, async () => (await conversation(sender, recipient.peerId)).some(m => m.direction === 'in' && m.body === 'still in step'), {
        timeout: 60_000, interval: 250, message: 'the reply after the restart opens at the sender'
      })
      const next = await session.call('messages.send', { contact: recipient.peerId, text: 'and back' })
      await waitForDaemons({ sender, recipient }, () => delivered.has(next.id), { timeout: 60_000, interval: 250, message: 'a message after the reply is delivered' })
    } finally {
      session.close()
    }
    assert.equal(await sender.proc.stop('SIGTERM'), 0)
    assert.equal(await recipient.proc.stop('SIGTERM'), 0)
  })
})
