import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { KeyedMutex } from '../../node/keyed-mutex.ts'

describe('KeyedMutex.idle', () => {
  it('waits for every task, also one queued while waiting, and gives up at its signal', async () => {
    const mutex = new KeyedMutex()
    const done: string[] = []
    let release!: () => void
    const held = new Promise<void>(resolve => { release = resolve })
    void mutex.run('a', async () => { await held; done.push('a1') })
    void mutex.run('b', async () => { done.push('b1') })
    const idle = mutex.idle(AbortSignal.timeout(60_000)).then(() => { done.push('idle') })
    void mutex.run('a', async () => { done.push('a2') })
    await new Promise(resolve => setImmediate(resolve))
    assert.deepEqual(done, ['b1'], 'not idle while a task holds a key')
    release()
    await idle
    assert.deepEqual(done, ['b1', 'a1', 'a2', 'idle'])

    const stuck = new KeyedMutex()
    void stuck.run('x', async () => new Promise<void>(() => {}))
    const controller = new AbortController()
    const gaveUp = stuck.idle(controller.signal)
    controller.abort()
    await gaveUp
    await mutex.idle(AbortSignal.timeout(1_000))
  })
})
