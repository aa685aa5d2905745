import { randomBytes } from 'node:crypto'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AckStatus, refusal } from '../../../protocols/dm/index.ts'
import { MAX_ONE_TIME, Ratchet } from '../../../node/direct/ratchet.ts'
import { removeDir, tempDir } from '../../fixtures/temp-dir.ts'
import { openAt, party, sealTo, type Party } from './parties.ts'
import { openDatabase, type Database } from '../../../node/store/database.ts'
import type { Envelope } from '../../../protocols/dm/index.ts'

/** one data key for every store here: a store reopened after a crash needs the same */
const DATA_KEY = randomBytes(32)

/** libsignal keeps at most this many skipped message keys per chain (MAX_MESSAGE_KEYS). */
const MAX_SKIPPED_KEYS = 2000

/**
 * The attacker's copy of a seized device: the identity key and every byte of the profile's
 * database, as they are at the moment of the seizure.
 */
async function seize (victim: Party): Promise<Party> {
  const dir = await tempDir('hyphae-seized-')
  const db: Database = await openDatabase(dir, 'db', DATA_KEY)
  await db.batch((await victim.db.iterator().all()).map(([key, value]) => ({ type: 'put' as const, key, value })))
  const ratchet = new Ratchet(db, victim.key)
  await ratchet.ready()
  return { key: victim.key, peer: victim.peer, ratchet, db, dir, close: async () => { await db.close(); await removeDir(dir) } }
}

async function opens (at: Party, envelope: Envelope): Promise<boolean> {
  try {
    await openAt(at, envelope, false)
    return true
  } catch {
    return false
  }
}

describe('the Signal ratchet under attack and loss', () => {
  let alice: Party
  let bob: Party
  const others: Party[] = []
  before(async () => { [alice, bob] = await Promise.all([party(), party()]) })
  after(async () => { await Promise.all([alice, bob, ...others].map(async p => p.close())) })

  it('forward secrecy: recorded envelopes stay shut after the recipient\'s identity key and whole store leak', async () => {
    // a hostile relay records every envelope
    const recorded = [await sealTo(alice, bob, 'first, starts the session'), await sealTo(alice, bob, 'second')]
    for (const e of recorded) await openAt(bob, e)
    const reply = await sealTo(bob, alice, 'reply')
    await openAt(alice, reply)
    const later = await sealTo(alice, bob, 'after the reply')
    await openAt(bob, later)
    // the device is seized now: identity key, prekeys, sessions, everything
    const seized = await seize(bob)
    others.push(seized)
    for (const e of [...recorded, later]) {
      assert.equal(await opens(seized, e), false, 'a used message key is gone: the recording stays unreadable')
    }
    // with the identity key alone (a fresh store) there is even less to go on
    const keyOnly = await (async () => {
      const dir = await tempDir('hyphae-keyonly-')
      const db: Database = await openDatabase(dir, 'db', DATA_KEY)
      const ratchet = new Ratchet(db, bob.key)
      await ratchet.ready()
      return { key: bob.key, peer: bob.peer, ratchet, db, dir, close: async () => { await db.close(); await removeDir(dir) } }
    })()
    others.push(keyOnly)
    for (const e of [...recorded, later]) assert.equal(await opens(keyOnly, e), false)
  })

  it('post-compromise security: a session heals once both sides have sent again after a one-time state leak', async () => {
    const stolen = await seize(alice)
    others.push(stolen)
    // right after the leak the attacker reads what bob sends on the current chain...
    const exposed = await sealTo(bob, alice, 'read by the attacker')
    assert.equal(await opens(stolen, exposed), true, 'the leak is real')
    await openAt(alice, exposed)
    // ...then both sides send again: new DH ratchet steps the attacker took no part in
    await openAt(bob, await sealTo(alice, bob, 'alice answers'))
    await openAt(alice, await sealTo(bob, alice, 'bob answers'))
    await openAt(bob, await sealTo(alice, bob, 'alice again'))
    const healedFromBob = await sealTo(bob, alice, 'after healing, from bob')
    const healedFromAlice = await sealTo(alice, bob, 'after healing, from alice')
    assert.equal(await opens(stolen, healedFromBob), false, 'the stale state no longer reads bob')
    assert.equal((await openAt(alice, healedFromBob)).body, 'after healing, from bob')
    assert.equal((await openAt(bob, healedFromAlice)).body, 'after healing, from alice')
  })

  it('out of order, duplicated and dropped messages: each opens once, a duplicate is a DUPLICATE, a gap costs nothing', async () => {
    const sent = []
    for (let i = 0; i < 7; i++) sent.push(await sealTo(alice, bob, `m${i}`))
    // m5 is dropped on the way; the rest arrive shuffled, m2 twice
    const order = [4, 1, 6, 0, 2, 3]
    const bodies = []
    for (const i of order) bodies.push((await openAt(bob, sent[i])).body)
    assert.deepEqual(bodies, order.map(i => `m${i}`))
    const duplicate = await openAt(bob, sent[2]).then(() => undefined, (err: Error) => err)
    assert.equal(duplicate?.name, 'DuplicateMessageError')
    assert.equal(refusal(duplicate!), AckStatus.DUPLICATE, 'the sender is told DUPLICATE: as good as stored, and nothing is shown twice')
    // the dropped one still opens if it turns up late
    assert.equal((await openAt(bob, sent[5])).body, 'm5')
  })

  it(`keeps at most ${MAX_SKIPPED_KEYS} skipped keys: older gaps are forgotten, the session goes on`, { timeout: 300_000 }, async () => {
    const first = await sealTo(alice, bob, 'skipped the longest')
    const second = await sealTo(alice, bob, 'skipped, still kept')
    for (let i = 0; i < MAX_SKIPPED_KEYS - 1; i++) await sealTo(alice, bob, `gap ${i}`)
    const last = await sealTo(alice, bob, `${MAX_SKIPPED_KEYS + 1} after the first`)
    assert.equal((await openAt(bob, last)).body, `${MAX_SKIPPED_KEYS + 1} after the first`)
    const err = await openAt(bob, first).then(() => undefined, (e: Error) => e)
    // libsignal cannot tell a forgotten key from a used one; the inbox can (by id: see inbox.spec)
    assert.equal(err?.name, 'DuplicateMessageError', 'the oldest skipped key was dropped')
    assert.equal((await openAt(bob, second)).body, 'skipped, still kept')
    assert.equal((await openAt(bob, await sealTo(alice, bob, 'next'))).body, 'next')
  })
})

describe('prekey rotation', () => {
  it('an invite\'s prekeys open first messages for 60 days after a rotation, then fail with a clear error', async () => {
    const [alice, bob, carol] = await Promise.all([party(), party(), party()])
    try {
      const oldInvite = await bob.ratchet.inviteBundle()
      const day = 24 * 3600 * 1000
      await bob.ratchet.maintain(Date.now() + 8 * day)
      const fresh = await bob.ratchet.inviteBundle()
      assert.notEqual(fresh.signedPreKeyId, oldInvite.signedPreKeyId, 'rotated after a week')
      assert.notDeepEqual(fresh.kyberPreKey, oldInvite.kyberPreKey)
      const startWith = async (from: Party, bundle: typeof oldInvite): Promise<Envelope> => {
        const tx = from.ratchet.transaction()
        await from.ratchet.startSession(tx, bob.peer, bundle)
        const { sealEnvelope } = await import('../../../protocols/dm/index.ts')
        const envelope = await sealEnvelope({ sender: from.key.publicKey, recipient: bob.peer, stores: tx.stores, lamport: 1n, body: 'from an old invite' })
        await from.db.batch(tx.ops() as any)
        return envelope
      }
      assert.equal((await openAt(bob, await startWith(alice, oldInvite))).body, 'from an old invite')
      // two months on, the retired keys are gone: their private halves too
      await bob.ratchet.maintain(Date.now() + 70 * day)
      await assert.rejects(openAt(bob, await startWith(carol, oldInvite)), /fresh (one|invite)/)
    } finally {
      await Promise.all([alice.close(), bob.close(), carol.close()])
    }
  })

  it('a one-time prekey is deleted once used, and a peer asking again and again keeps at most 100', async () => {
    const [alice, bob] = await Promise.all([party(), party()])
    try {
      const bundle = await bob.ratchet.oneTimeBundle()
      assert.ok(bundle.preKeyId != null)
      assert.equal((await bob.ratchet.store.keys('prekey!')).length, 1)
      const tx = alice.ratchet.transaction()
      await alice.ratchet.startSession(tx, bob.peer, bundle)
      const { sealEnvelope } = await import('../../../protocols/dm/index.ts')
      const envelope = await sealEnvelope({ sender: alice.key.publicKey, recipient: bob.peer, stores: tx.stores, lamport: 1n, body: 'one-time' })
      assert.equal((await openAt(bob, envelope)).body, 'one-time')
      assert.deepEqual(await bob.ratchet.store.keys('prekey!'), [], 'its private half is gone')
      assert.deepEqual(await bob.ratchet.store.keys('kyber!'), [], 'the one-time Kyber key too')
      for (let i = 0; i < MAX_ONE_TIME + 5; i++) await bob.ratchet.oneTimeBundle()
      assert.equal((await bob.ratchet.store.keys('prekey!')).length, MAX_ONE_TIME)
      assert.equal((await bob.ratchet.store.keys('kyber!')).length, MAX_ONE_TIME)
    } finally {
      await Promise.all([alice.close(), bob.close()])
    }
  })
})
