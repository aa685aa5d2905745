import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { lpStream } from '@libp2p/utils'
import { AckStatus, decodeFrame, encodeFrame, MAX_FRAME_BYTES, PROTOCOL } from '../../../protocols/dm/index.ts'
import { closed, connect, createDmNode, dmStreams, opening, seal, stopAll, until, withRejectionWatch, type DmNode } from './helpers.ts'

describe('dm protocol against a misbehaving peer', () => {
  it('resets a stream carrying an oversized frame and strikes the peer, while an honest peer keeps going', async () => {
    let alice: DmNode | undefined
    let bob: DmNode | undefined
    let mallory: DmNode | undefined
    try {
      [alice, bob, mallory] = await Promise.all([createDmNode(), createDmNode(), createDmNode()])
      const froms: string[] = []
      let release = (): void => {}
      const held = new Promise<void>(resolve => { release = resolve })
      bob.dm.onMessage = opening(bob, async (from, message) => {
        froms.push(from.toString())
        if (message.body === 'held') await held
        return AckStatus.STORED
      })
      const honest = await connect(alice, bob)
      assert.equal(await alice.dm.send(bob.libp2p.peerId, await seal(alice, bob, 'before')), AckStatus.STORED)
      const [aliceStream] = dmStreams(honest)
      // an honest message is mid-flight on bob's side while the attack lands
      const pending = alice.dm.send(bob.libp2p.peerId, await seal(alice, bob, 'held'))
      await until(() => froms.length === 2, 'the held message to arrive')

      await connect(mallory, bob)
      const { rejections } = await withRejectionWatch(async () => {
        const raw = await mallory!.libp2p.dialProtocol(bob!.libp2p.peerId, PROTOCOL)
        const done = closed(raw)
        void lpStream(raw).write(new Uint8Array(MAX_FRAME_BYTES + 1)).catch(() => {})
        await done
        assert.equal(raw.status, 'reset')
      })
      assert.deepEqual(rejections, [])
      assert.equal(bob.dm.strikes(mallory.libp2p.peerId), 1)
      assert.equal(bob.dm.strikes(alice.libp2p.peerId), 0)

      release()
      assert.equal(await pending, AckStatus.STORED)
      assert.equal(await alice.dm.send(bob.libp2p.peerId, await seal(alice, bob, 'after')), AckStatus.STORED)
      assert.deepEqual(dmStreams(honest).map(s => s.id), [aliceStream.id], "alice's stream survived")
      assert.ok(froms.every(f => f === alice!.libp2p.peerId.toString()))
    } finally {
      await stopAll(alice, bob, mallory)
    }
  })

  it('drops a malformed frame without touching onMessage, and the same stream goes on working', async () => {
    let bob: DmNode | undefined
    let mallory: DmNode | undefined
    try {
      [bob, mallory] = await Promise.all([createDmNode(), createDmNode()])
      const bodies: string[] = []
      bob.dm.onMessage = opening(bob, (_from, message) => {
        bodies.push(message.body)
        return AckStatus.STORED
      })
      await connect(mallory, bob)
      const raw = await mallory.libp2p.dialProtocol(bob.libp2p.peerId, PROTOCOL)
      const lp = lpStream(raw)
      await lp.write(Uint8Array.of(0x0a, 0xff, 0xff)) // an envelope field whose length runs past the frame
      await lp.write(new Uint8Array(0)) // an empty frame: a kind this version does not know, not a strike
      await lp.write(encodeFrame({ ack: { id: new Uint8Array(16), status: AckStatus.STORED } })) // acks do not flow this way
      const envelope = await seal(mallory, bob, 'still here')
      await lp.write(encodeFrame({ envelope }))
      const ack = decodeFrame(await lp.read()).ack
      assert.deepEqual(Uint8Array.from(ack?.id ?? []), envelope.id)
      assert.equal(ack?.status, AckStatus.STORED)
      assert.deepEqual(bodies, ['still here'])
      assert.equal(bob.dm.strikes(mallory.libp2p.peerId), 2)
      await raw.close()
    } finally {
      await stopAll(mallory, bob)
    }
  })

  it('closes the connection to a peer after MAX_STRIKES bad frames', async () => {
    let alice: DmNode | undefined
    let bob: DmNode | undefined
    let mallory: DmNode | undefined
    try {
      [alice, bob, mallory] = await Promise.all([createDmNode(), createDmNode({ maxStrikes: 3 }), createDmNode()])
      bob.dm.onMessage = () => AckStatus.STORED
      await connect(alice, bob)
      await connect(mallory, bob)
      for (let i = 0; i < 3; i++) {
        const raw = await mallory.libp2p.dialProtocol(bob.libp2p.peerId, PROTOCOL)
        const done = closed(raw)
        void lpStream(raw).write(new Uint8Array(MAX_FRAME_BYTES + 1)).catch(() => {})
        await done
      }
      await until(() => mallory!.libp2p.getConnections(bob!.libp2p.peerId).length === 0, 'bob to hang up on mallory')
      assert.equal(bob.dm.strikes(mallory.libp2p.peerId), 3)
      assert.equal(await alice.dm.send(bob.libp2p.peerId, await seal(alice, bob, 'unaffected')), AckStatus.STORED)
    } finally {
      await stopAll(alice, bob, mallory)
    }
  })
})
