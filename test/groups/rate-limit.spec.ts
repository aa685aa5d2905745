import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TokenBuckets } from '../../node/groups/rate-limit.ts'

describe('the per-author rate limit', () => {
  it('allows a burst, then refills at its rate, per key', () => {
    let now = 0
    const buckets = new TokenBuckets({ burst: 3, perSecond: 2, now: () => now })
    assert.deepEqual([1, 2, 3, 4].map(() => buckets.take('a')), [true, true, true, false])
    assert.equal(buckets.take('b'), true, 'another author has its own bucket')
    assert.equal(buckets.wait('a'), 500)
    now += 499
    assert.equal(buckets.take('a'), false)
    now += 1
    assert.equal(buckets.take('a'), true)
    // saving up stops at the burst
    now += 60_000
    assert.deepEqual([1, 2, 3, 4].map(() => buckets.take('a')), [true, true, true, false])
  })

  it('forgets the least recently used key beyond maxKeys', () => {
    const buckets = new TokenBuckets({ burst: 1, perSecond: 0.001, maxKeys: 2, now: () => 0 })
    assert.equal(buckets.take('a'), true)
    assert.equal(buckets.take('a'), false)
    buckets.take('b')
    buckets.take('c')
    assert.equal(buckets.take('a'), true, 'a was forgotten, so it starts afresh')
  })

  it('keeps a key in use while new keys come and go: a stream of new peers does not reset a flooder', () => {
    const buckets = new TokenBuckets({ burst: 1, perSecond: 0.001, maxKeys: 2, now: () => 0 })
    assert.equal(buckets.take('flooder'), true)
    for (let i = 0; i < 10; i++) {
      buckets.take(`new ${i}`)
      assert.equal(buckets.take('flooder'), false, `still over its limit after ${i + 1} new keys`)
    }
  })
})
