import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fastMessageId } from '../../node/libp2p-options.ts'

describe('gossipsub\'s fast message id (duplicates dropped before their signature is checked)', () => {
  const from = Uint8Array.from([0, 36, 8, 1, 18, 32, 7, 7, 7])
  const seqno = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 9])

  it('is the same for two copies of a message, whatever else differs', () => {
    assert.equal(fastMessageId({ from, seqno }), fastMessageId({ from: Uint8Array.from(from), seqno: Uint8Array.from(seqno) }))
  })

  it('differs for another sequence number or another author', () => {
    const other = Uint8Array.from(seqno)
    other[7] = 10
    assert.notEqual(fastMessageId({ from, seqno }), fastMessageId({ from, seqno: other }))
    const author = Uint8Array.from(from)
    author[8] = 8
    assert.notEqual(fastMessageId({ from, seqno }), fastMessageId({ from: author, seqno }))
    // the two fields cannot slide into each other
    assert.notEqual(fastMessageId({ from: from.subarray(0, 8), seqno: Uint8Array.from([7, ...seqno]) }), fastMessageId({ from, seqno }))
  })

  it('never matches for a message without author or sequence number', () => {
    assert.notEqual(fastMessageId({ seqno }), fastMessageId({ seqno }))
    assert.notEqual(fastMessageId({ from }), fastMessageId({ from }))
  })

  it('reads views into larger buffers correctly', () => {
    const big = new Uint8Array(64)
    big.set(from, 10)
    assert.equal(fastMessageId({ from: big.subarray(10, 10 + from.length), seqno }), fastMessageId({ from, seqno }))
  })
})
