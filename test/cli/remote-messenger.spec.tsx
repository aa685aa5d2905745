import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { cleanup } from 'ink-testing-library'
import { createRpcMethods } from '../../cli/rpc/methods.ts'
import { RemoteMessenger } from '../../cli/rpc/remote-messenger.ts'
import { serveJsonRpc } from '../../cli/rpc/socket-server.ts'
import { socketPath } from '../../node/config.ts'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { addEachOther } from '../messaging/helpers.ts'
import { runCli, startCli, waitForLine } from './run-cli.ts'
import { renderApp } from './tui/harness.tsx'
import { KEYS } from './tui/poll.ts'
import type { Server } from 'node:net'
import type { MessageRecord } from '../../node/messenger.ts'

describe('the terminal UI attached to a running daemon (RemoteMessenger over JSON-RPC)', () => {
  let network: Network
  let server: Server
  let path: string
  let root: string

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-remote-'))
    network = await createNetwork(2)
    await addEachOther(network.nodes)
    path = join(root, 'alice.sock')
    server = await serveJsonRpc(path, createRpcMethods(network.nodes[0]))
  })
  after(async () => {
    cleanup()
    await new Promise(resolve => server?.close(resolve))
    await network?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('answers every Messenger call through the daemon and turns its notifications into events', async () => {
    const [alice, bob] = network.nodes
    const remote = await RemoteMessenger.attach(path)
    try {
      assert.equal(remote.peerId, alice.peerId)
      assert.equal((await remote.id()).peerId, alice.peerId)
      assert.deepEqual((await remote.listContacts()).map(c => c.peerId), [bob.peerId])
      await remote.setNickname('alice')
      assert.equal((await alice.id()).nickname, 'alice')

      const got: MessageRecord[] = []
      remote.addEventListener('message', evt => { got.push(evt.detail) })
      const receipts: string[] = []
      remote.addEventListener('receipt', evt => { receipts.push(evt.detail.status) })
      await bob.sendMessage(alice.peerId, 'to the daemon')
      await waitFor(() => got.some(m => m.body === 'to the daemon'), { message: 'the message event' })
      assert.equal((await remote.listContacts())[0].unread, 1)
      assert.equal((await remote.markRead(bob.peerId)).length, 1)

      const sent = await remote.sendMessage(bob.peerId, 'from the attached UI')
      await waitFor(() => receipts.includes('delivered'), { message: 'a delivered receipt', timeout: 30_000 })
      assert.ok((await bob.listMessages(alice.peerId)).some(m => m.id === sent.id))
      assert.equal(await remote.outboxSize(), 0)

      const group = await remote.createGroup('attached')
      assert.equal((await remote.listGroups())[0].id, group.id)
      assert.match(await remote.groupInvite(group.id), /^hyphae:\/\/group\//)
      await remote.markGroupRead(group.id)
      // errors keep their name and message
      await assert.rejects(remote.sendMessage('nobody', 'x'), (err: Error) => err.name === 'UnknownContactError' && /nobody/.test(err.message))
    } finally {
      await remote.stop()
    }
    assert.equal(remote.detached, true)
    // detaching stopped nothing: the node still answers
    assert.equal((await alice.status()).peerId, alice.peerId)
  })

  it('renders the main screen on it: a message typed in the UI goes out through the daemon', async () => {
    const [alice, bob] = network.nodes
    const remote = await RemoteMessenger.attach(path)
    const h = renderApp(remote)
    try {
      await h.waitFor(/message \S+ · \? for help/, 15_000)
      h.press('\u0015', 'typed while attached', KEYS.enter)
      await waitFor(async () => (await bob.listMessages(alice.peerId, { limit: 5 })).some(m => m.body === 'typed while attached'), { message: 'bob to get it', timeout: 30_000 })
      await h.waitFor(s => /✓✓ +alice: typed while attached/.test(s), 30_000)
    } finally {
      h.unmount()
      await remote.stop()
    }
  })

  it('a daemon with a client attached still stops cleanly on SIGTERM, and the client is told it detached', async () => {
    const dir = join(root, 'carol')
    assert.equal((await runCli(['init', '--name', 'carol', '--no-passphrase', '--data-dir', dir])).code, 0)
    const daemon = startCli(['daemon', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'])
    try {
      await waitForLine(daemon, /"event":"started"/)
      const remote = await RemoteMessenger.attach(socketPath(dir))
      let detached = false
      remote.onDetach = () => { detached = true }
      assert.equal((await remote.id()).nickname, 'carol')
      assert.equal(await daemon.stop('SIGTERM'), 0)
      await waitFor(() => detached, { message: 'the detach callback' })
      await assert.rejects(remote.status(), /closed/)
    } finally {
      await daemon.stop('SIGKILL')
    }
  })
})
