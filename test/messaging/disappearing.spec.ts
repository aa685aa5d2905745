import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { createNetwork, waitFor, type Network } from '../fixtures/index.ts'
import { InvalidTimerError, MIN_TIMER_S } from '../../node/direct/disappearing.ts'
import { messageKey } from '../../node/store/messages-store.ts'
import { addEachOther, EventLog } from './helpers.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'

async function ids (node: HyphaeMessenger, ref: string): Promise<string[]> {
  return (await node.listMessages(ref, { limit: 1000 })).map(m => m.id)
}

/** Whether any file under `dir` holds `needle`. */
async function onDisk (dir: string, needle: Uint8Array): Promise<boolean> {
  for (const f of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile() && (await readFile(join(f.parentPath, f.name))).indexOf(needle) !== -1) return true
  }
  return false
}

async function timerOf (node: HyphaeMessenger, peerId: string): Promise<number | undefined> {
  return (await node.listContacts()).find(c => c.peerId === peerId)?.timer
}

describe('disappearing messages', { timeout: 120_000 }, () => {
  let network: Network
  let a: HyphaeMessenger
  let b: HyphaeMessenger
  let logA: EventLog
  let logB: EventLog

  before(async () => {
    network = await createNetwork(2)
    ;[a, b] = network.nodes
    logA = new EventLog(a)
    logB = new EventLog(b)
    await addEachOther([a, b])
  })

  after(async () => {
    logA?.detach()
    logB?.detach()
    await network?.stop()
  })

  it('a timer set by one side is followed by the other, and expired messages leave both stores', async () => {
    const kept = await a.sendMessage(b.peerId, 'said before the timer: kept')
    await waitFor(() => logB.messages.some(m => m.id === kept.id), { timeout: 30_000, message: 'the first message to arrive' })

    assert.deepEqual(await a.setTimer(b.peerId, MIN_TIMER_S), { peerId: b.peerId, timer: MIN_TIMER_S })
    assert.equal(await timerOf(a, b.peerId), MIN_TIMER_S)
    await waitFor(async () => (await timerOf(b, a.peerId)) === MIN_TIMER_S, { timeout: 30_000, message: 'B to follow A\'s timer' })

    const gone = await b.sendMessage(a.peerId, 'this one disappears')
    await waitFor(() => logA.messages.some(m => m.id === gone.id), { timeout: 30_000, message: 'the timed message to arrive' })
    await waitFor(async () => !(await ids(a, b.peerId)).includes(gone.id) && !(await ids(b, a.peerId)).includes(gone.id), {
      timeout: 60_000, message: 'the timed message to be deleted on both sides'
    })
    assert.ok((await ids(a, b.peerId)).includes(kept.id), 'a message from before the timer stays on A')
    assert.ok((await ids(b, a.peerId)).includes(kept.id), 'and on B')
    assert.equal(await (a as any).direct.messages.has(gone.id), false, 'its id index entry went with it')
    assert.equal(await (b as any).direct.messages.has(gone.id), false)

    // off again, from the other side
    await b.setTimer(a.peerId, 0)
    await waitFor(async () => (await timerOf(a, b.peerId)) === 0, { timeout: 30_000, message: 'A to follow B turning it off' })
  })

  it('refuses a timer out of bounds, and a peer\'s unreadable or far-future setting', async () => {
    await assert.rejects(a.setTimer(b.peerId, 1), InvalidTimerError)
    await assert.rejects(a.setTimer(b.peerId, 10 ** 9), InvalidTimerError)
    await assert.rejects(a.setTimer(b.peerId, 2.5), InvalidTimerError)
    const disappearing = (a as any).direct.disappearing
    const from = peerIdFromString(b.peerId)
    const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))
    await assert.rejects(disappearing.onControl(from, new TextEncoder().encode('{not json')), InvalidTimerError)
    await assert.rejects(disappearing.onControl(from, bytes({ seconds: -5, setAt: Date.now() })), InvalidTimerError)
    await assert.rejects(disappearing.onControl(from, bytes({ seconds: 60, setAt: Date.now() + 24 * 3600_000 })), InvalidTimerError)
    assert.equal(await timerOf(a, b.peerId), 0, 'nothing was stored')
  })

  it('a message that expires unsent leaves the outbox and is never delivered; its ciphertext leaves the files', async () => {
    await a.setTimer(b.peerId, MIN_TIMER_S)
    await waitFor(async () => (await timerOf(b, a.peerId)) === MIN_TIMER_S, { timeout: 30_000, message: 'B to follow A\'s timer' })
    await waitFor(async () => (await a.outboxSize()) === 0, { timeout: 30_000, message: 'the setting to leave A\'s outbox' })
    await b.stop()
    const unsent = await a.sendMessage(b.peerId, 'expires in the outbox')
    assert.equal(await a.direct.outboxSize(), 1, 'queued for B')
    // the value as it lies on A's disk (sealed by the encrypted store)
    const db = (a as any).components.db
    const record = await a.direct.messages.get(unsent.id)
    assert.ok(record != null)
    const stored = db.cipher.names.key(`!messages!${messageKey(b.peerId, record.lamport, unsent.id)}`)
    const sealed: Uint8Array = await db.inner.get(stored)
    assert.ok(sealed != null)
    const needle = Buffer.from(sealed.subarray(-48))
    assert.equal(await onDisk(join(network.dirs[0], 'db'), needle), true, 'the sealed message is in A\'s files before it expires')

    await waitFor(async () => !(await ids(a, b.peerId)).includes(unsent.id), { timeout: 60_000, message: 'the message to expire on A' })
    assert.equal(await a.direct.outboxSize(), 0, 'and to leave the outbox with it')
    // the sweep compacts once it has deleted: fails here (a timeout) if the ciphertext stays
    await waitFor(async () => !(await onDisk(join(network.dirs[0], 'db'), needle)), { timeout: 30_000, message: 'its ciphertext to be compacted out of A\'s files' })

    // B comes back: the outbox sends in order, so a message after it arriving means it never will
    const b2 = await network.restart(1)
    const log = new EventLog(b2)
    try {
      const after = await a.sendMessage(b2.peerId, 'sent after the expiry')
      await waitFor(() => log.messages.some(m => m.id === after.id), { timeout: 30_000, message: 'the later message to arrive' })
      assert.equal(log.messages.some(m => m.id === unsent.id), false, 'the expired message was not delivered')
      assert.equal((await ids(b2, a.peerId)).includes(unsent.id), false)
    } finally {
      log.detach()
    }
  })
})
