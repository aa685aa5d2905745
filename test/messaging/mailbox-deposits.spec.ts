import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { Envelope } from '../../protocols/dm/index.ts'
import { MailboxDeposits } from '../../node/direct/mailbox-deposits.ts'
import type { DepositEntry } from '../../node/direct/mailbox-client.ts'

const entry = (key: string, id: number): { key: string, value: Uint8Array } => ({
  key,
  value: Envelope.encode({ version: 2, id: Uint8Array.of(id), sender: new Uint8Array(0), ciphertext: Uint8Array.of(1, 2, 3), kind: 0 })
})

describe('mailbox deposits', () => {
  it('leave nothing on a relay that is no longer in the outbox (acked, or expired unsent)', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const deposited: string[][] = []
    const queued = new Set([`${peer}!2!b`])
    const deposits = new MailboxDeposits({
      messages: { get: async () => undefined, updateStatus: async (u: unknown[]) => u.map(() => false) } as any,
      log: logger('test'),
      onStatus: () => {},
      connected: () => false,
      stillQueued: async keys => keys.map(k => queued.has(k)),
      deposit: async (_peer, entries: DepositEntry[]) => { deposited.push(entries.map(e => e.id)) }
    })
    try {
      deposits.watch(peer, [entry(`${peer}!1!a`, 1), entry(`${peer}!2!b`, 2)])
      await deposits.flush(AbortSignal.timeout(10_000))
      assert.deepEqual(deposited, [['b']], 'only the entry still queued is deposited')
      // one the outbox dropped (its message expired) before its timer is never deposited
      deposits.watch(peer, [entry(`${peer}!3!c`, 3)])
      deposits.dropped(peer, ['c'])
      await deposits.flush(AbortSignal.timeout(10_000))
      assert.deepEqual(deposited, [['b']])
    } finally {
      deposits.stop()
      await deposits.drained()
    }
  })
})
