import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MeshGate, UNPROVEN_PENALTY } from '../../node/groups/mesh-gate.ts'
import type { GroupPubSub } from '../../node/groups/pubsub.ts'

function pubsubWithScore (previous: (peer: string) => number): GroupPubSub {
  return { score: { params: { topics: {}, appSpecificScore: previous, appSpecificWeight: 10 } } } as unknown as GroupPubSub
}

describe('mesh gate', () => {
  it('takes UNPROVEN_PENALTY off a suspect\'s application score, on top of what was there, until it proves itself on every topic', () => {
    const pubsub = pubsubWithScore(peer => peer === 'flooder' ? -2 : 0)
    const gate = new MeshGate(pubsub)
    const score = (peer: string): number => pubsub.score!.params.appSpecificScore(peer)
    gate.suspect('t1', 'snoop')
    gate.suspect('t2', 'snoop')
    gate.suspect('t1', 'flooder')
    assert.equal(score('snoop'), -UNPROVEN_PENALTY)
    assert.equal(score('flooder'), -2 - UNPROVEN_PENALTY, 'the penalty it had stays')
    assert.equal(score('member'), 0)
    gate.prove('t1', 'snoop')
    assert.equal(score('snoop'), -UNPROVEN_PENALTY, 'still unproven on t2')
    gate.prove('t2', 'snoop')
    assert.equal(score('snoop'), 0)
    gate.forget('t1')
    assert.equal(score('flooder'), -2, 'a topic we left holds nothing against anyone')
    // with the publish threshold at -50 and +10 from first deliveries, the penalty must keep it below
    assert.ok(-UNPROVEN_PENALTY * 10 + 10 < -50 && -UNPROVEN_PENALTY * 10 > -80, 'between the publish and graylist thresholds')
  })

  it('remembers at most maxPeers suspects, forgetting the oldest', () => {
    const gate = new MeshGate(pubsubWithScore(() => 0), { maxPeers: 2 })
    gate.suspect('t', 'a')
    gate.suspect('t', 'b')
    gate.suspect('t', 'c')
    assert.deepEqual(['a', 'b', 'c'].map(p => gate.isSuspect(p)), [false, true, true])
  })
})
