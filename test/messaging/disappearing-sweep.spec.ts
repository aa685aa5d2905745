import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { logger } from '@libp2p/logger'
import { DisappearingMessages } from '../../node/direct/disappearing.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { MessagesStore } from '../../node/store/messages-store.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'

describe('the disappearing-messages sweep', () => {
  let dir: string
  let db: Database
  before(async () => {
    dir = await tempDir('hyphae-sweep-')
    db = await openDatabase(dir, 'db', randomBytes(32))
  })
  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  it('reads no timers while none is on, and again once a contact sets one', async () => {
    const disappearing = new DisappearingMessages({ db, messages: new MessagesStore(db), sendControl: async () => '', log: logger('test') })
    const timers = (disappearing as any).timers
    // opened first: an iterator asked of a sublevel still opening asks again once it is open
    await timers.keys().all()
    const iterator = timers.iterator.bind(timers)
    let reads = 0
    timers.iterator = (...args: unknown[]) => { reads++; return iterator(...args) }

    await disappearing.sweep()
    await disappearing.sweep()
    await disappearing.sweep()
    assert.equal(reads, 1, 'one read finds no timer; the sweeps after it read nothing')

    const contact = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    await disappearing.onControl(contact, new TextEncoder().encode(JSON.stringify({ seconds: 60, setAt: Date.now() })))
    await disappearing.sweep()
    await disappearing.sweep()
    assert.equal(reads, 3, 'with a timer on, every sweep reads')

    // turned off again: one more read sees that, then nothing
    await disappearing.onControl(contact, new TextEncoder().encode(JSON.stringify({ seconds: 0, setAt: Date.now() + 1 })))
    await disappearing.sweep()
    await disappearing.sweep()
    assert.equal(reads, 4)
    assert.equal(await disappearing.timer(contact.toString()), 0)
  })
})
