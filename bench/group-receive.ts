/**
 * What storing one received group message costs, alone: the validator's reads (dedupe, clock,
 * author) and GroupLedger.receive, one message after another (as the group's lock runs them), on
 * the encrypted level store a profile uses. No network: the figure group-procs shows through the
 * noise of 50 nodes. Prints one JSON line; alternate trees with a shell loop:
 *
 *   for r in 1 2 3; do for t in BASE NOW; do (cd $t && node --import tsx bench/group-receive.ts); done; done
 *
 * usage: node --import tsx bench/group-receive.ts [--authors 10] [--messages 2000] [--plain]
 * Written against the API of GroupLedger and GroupsStore only, so it runs in an older checkout.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { parseArgs } from 'node:util'
import { hex, unhex } from '../node/hex.ts'
import { GroupContext } from '../node/groups/context.ts'
import { GROUP_ID_BYTES, randomBytes, SECRET_BYTES, signGroupMessage, type SignedGroupMessage } from '../node/groups/crypto.ts'
import { GroupLedger } from '../node/groups/ledger.ts'
import { openDatabase, openLevel, type Database } from '../node/store/database.ts'
import { GroupsStore, type GroupRecord } from '../node/store/groups-store.ts'
import { GroupMessageKind } from '../protocols/group/pb/group.ts'
import { removeDir, tempDir } from '../test/fixtures/temp-dir.ts'
import { percentile } from './stats.ts'

const { values } = parseArgs({ options: { authors: { type: 'string', default: '10' }, messages: { type: 'string', default: '2000' }, plain: { type: 'boolean', default: false } } })
const authors = Number(values.authors)
const messages = Number(values.messages)

const dir = await tempDir()
// --plain: level without the encrypting layer, to tell its share of the cost
const db = values.plain ? await openLevel(dir, 'db') as unknown as Database : await openDatabase(dir, 'db', randomBytes(32))
try {
  const me = await generateKeyPair('Ed25519')
  const keys = await Promise.all(Array.from({ length: authors }, async () => generateKeyPair('Ed25519')))
  const group = hex(randomBytes(GROUP_ID_BYTES))
  const admin = peerIdFromPrivateKey(keys[0]).toString()
  const store = new GroupsStore(db)
  const record: GroupRecord = { id: group, name: 'g', admin, epoch: 0, secrets: { 0: hex(randomBytes(SECRET_BYTES)) }, state: 'active', createdAt: 1, joinedAt: 1 }
  await store.batch([store.groupOp(record), ...keys.map((k, i) => store.memberOp(group, { peerId: peerIdFromPrivateKey(k).toString(), nickname: `m${i}`, state: 'member', admin: i === 0, at: 1 }))])
  const ctx = new GroupContext({ store, self: peerIdFromPrivateKey(me), log: defaultLogger().forComponent('bench') })
  const ledger = new GroupLedger(ctx, { key: me, onStored: () => {} })

  // each author's chain, in turn: every message names its author's previous one
  const signed: SignedGroupMessage[] = []
  const prev = new Map<number, Uint8Array>()
  for (let i = 0; i < messages; i++) {
    const a = i % authors
    const s = await signGroupMessage({ key: keys[a], group: unhex(group), lamport: i + 1, kind: GroupMessageKind.TEXT, body: `bench message ${i} `.padEnd(120, '.'), prev: prev.get(a) })
    prev.set(a, s.hash)
    signed.push(s)
  }
  const via = { epoch: 0, source: peerIdFromPrivateKey(keys[1]) }
  const took: number[] = []
  const started = performance.now()
  for (const s of signed) {
    const t0 = performance.now()
    // what the validator reads before it accepts (topics.ts admit), then the write
    if (await ledger.holds(group, hex(s.message.id))) throw new Error('a duplicate')
    await store.clock(group)
    await store.member(group, s.from.toString())
    const outcome = await ledger.receive(group, s, via)
    if (outcome !== 'stored') throw new Error(`not stored: ${outcome}`)
    took.push((performance.now() - t0) * 1000)
  }
  const totalMs = performance.now() - started
  process.stdout.write(JSON.stringify({ messages, authors, plain: values.plain, p50Us: Math.round(percentile(took, 50)), p99Us: Math.round(percentile(took, 99)), meanUs: Math.round(totalMs * 1000 / messages) }) + '\n')
  ctx.stop()
} finally {
  await db.close()
  await removeDir(dir)
}
