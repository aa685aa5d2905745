import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PrekeyRationing } from '../../../node/direct/prekey-rationing.ts'
import { MAX_ONE_TIME } from '../../../node/direct/ratchet.ts'
import { sealEnvelope } from '../../../protocols/dm/index.ts'
import { openAt, party } from './parties.ts'

describe('one-time prekeys are rationed', () => {
  it('a peer asking without end neither mints keys without end nor pushes out a key an honest sender holds', async () => {
    const [alice, bob] = await Promise.all([party(), party()])
    try {
      const rationing = new PrekeyRationing(bob.ratchet)
      const honest = await rationing.bundleFor(alice.peer)
      assert.ok(honest.preKeyId != null, 'the honest sender got a one-time key')
      // a hostile peer (or many ids at once) asks more often than bob keeps one-time keys
      for (let i = 0; i < MAX_ONE_TIME + 20; i++) await rationing.bundleFor(i % 2 === 0 ? 'hostile' : `sybil-${i}`)
      const minted = (await bob.ratchet.store.keys('prekey!')).length
      assert.ok(minted < MAX_ONE_TIME / 2, `${minted} one-time keys minted for ${MAX_ONE_TIME + 20} asks`)
      // the honest sender's first message, sealed with the key it was handed, still opens
      const tx = alice.ratchet.transaction()
      await alice.ratchet.startSession(tx, bob.peer, honest)
      const envelope = await sealEnvelope({ sender: alice.key.publicKey, recipient: bob.peer, stores: tx.stores, lamport: 1n, body: 'first' })
      assert.equal((await openAt(bob, envelope)).body, 'first')
    } finally {
      await Promise.all([alice.close(), bob.close()])
    }
  })
})
