import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createNetwork, removeDir, waitFor } from '../fixtures/index.ts'
import { addEachOther, EventLog } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

async function statusOf (node: HyphaeMessenger, peer: string, id: string): Promise<string | undefined> {
  return (await node.listMessages(peer, { limit: 1000 })).find(m => m.id === id)?.status
}

describe('a broken session', { timeout: 180_000 }, () => {
  it('after a contact loses its data, reset-session starts a new one from fresh prekeys; the safety number stays', async () => {
    const network = await createNetwork(2)
    try {
      const [a, b] = network.nodes
      await addEachOther([a, b])
      const logB = new EventLog(b)
      const first = await a.sendMessage(b.peerId, 'before the reinstall')
      await waitFor(() => logB.messages.some(m => m.id === first.id), { timeout: 30_000, message: 'the first message to arrive' })
      logB.detach()
      const safety = (await a.listContacts()).find(c => c.peerId === b.peerId)?.safetyNumber
      assert.ok(safety != null)

      // B reinstalls: same key file, its database (sessions, prekeys, contacts) gone
      await b.stop()
      await removeDir(join(network.dirs[1], 'db'))
      const b2 = await network.restart(1)
      assert.equal(b2.peerId, b.peerId)
      await b2.addContact((await a.id()).invite)
      const log = new EventLog(b2)
      try {
        // A's session is one B no longer has: B cannot open what A sends under it
        const lost = await a.sendMessage(b2.peerId, 'under the old session')
        await waitFor(async () => (await statusOf(a, b2.peerId, lost.id)) === 'failed', { timeout: 60_000, message: 'the message under the old session to fail' })

        const reset = await a.resetSession(b2.peerId)
        assert.equal(reset.hadSession, true)
        assert.equal(reset.peerId, b2.peerId)
        assert.equal(reset.safetyNumber, safety, 'the safety number is bound to the peer id: unchanged')
        const after = await a.sendMessage(b2.peerId, 'after the reset')
        await waitFor(() => log.messages.some(m => m.id === after.id), { timeout: 60_000, message: 'the message after the reset to arrive' })
        assert.equal(log.messages.find(m => m.id === after.id)?.body, 'after the reset')
        assert.equal(log.messages.some(m => m.id === lost.id), false)

        // and B answers in the new session
        const logA = new EventLog(a)
        const reply = await b2.sendMessage(a.peerId, 'got it')
        await waitFor(() => logA.messages.some(m => m.id === reply.id), { timeout: 60_000, message: 'B\'s reply to arrive' })
        logA.detach()
        assert.equal((await a.resetSession(b2.peerId)).hadSession, true)
        assert.equal((await a.resetSession(b2.peerId)).hadSession, false, 'reset twice: nothing left to reset')
      } finally {
        log.detach()
      }
    } finally {
      await network.stop()
    }
  })
})
