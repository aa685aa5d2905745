/**
 * The encrypted store against plain level, in the same run: N messages written through
 * MessagesStore (one batch each, as a received message is), read back page by page as the UI
 * scrolls, and looked up by id. Rounds alternate plain and encrypted so a busy machine moves
 * both. Also the passphrase KDF: Argon2id now, scrypt N=2^16 (what it replaced) as baseline.
 */
import { randomBytes } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Level } from 'level'
import { ARGON2ID, argon2idKey, scryptKey } from '../node/passphrase-kdf.ts'
import { openDatabase, type Database } from '../node/store/database.ts'
import { MessagesStore, type MessageRecord } from '../node/store/messages-store.ts'
import { removeDir, tempDir } from '../test/fixtures/temp-dir.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'

const ROUNDS = 4
const CONVERSATIONS = 10

interface Timings { writeUs: number, pageUs: number, getUs: number, bytes: number }

function message (i: number): MessageRecord {
  const conversation = `12D3KooWConversation${(i % CONVERSATIONS).toString().padStart(4, '0')}xxxxxxxxxxxxxxxxxxxxxx`
  return { id: randomBytes(16).toString('hex'), conversation, direction: 'in', body: `message ${i}: ${'lorem ipsum '.repeat(8)}`, lamport: i + 1, sentAt: Date.now(), storedAt: Date.now(), status: 'received' }
}

async function dirBytes (dir: string): Promise<number> {
  let total = 0
  for (const f of await readdir(dir, { recursive: true, withFileTypes: true })) if (f.isFile()) total += (await stat(join(f.parentPath, f.name))).size
  return total
}

async function round (n: number, encrypted: boolean): Promise<Timings> {
  const dir = await tempDir('hyphae-bench-store-')
  let db: Database | Level<string, Uint8Array> | undefined
  try {
    db = encrypted
      ? await openDatabase(dir, 'db', randomBytes(32))
      : new Level<string, Uint8Array>(join(dir, 'db'), { valueEncoding: 'view' })
    await db.open()
    const store = new MessagesStore(db as unknown as Database)
    const records = Array.from({ length: n }, (_, i) => message(i))
    let t0 = performance.now()
    for (const r of records) await store.batch(store.putOps(r, r.lamport))
    const writeUs = (performance.now() - t0) * 1000 / n
    t0 = performance.now()
    let read = 0
    for (let c = 0; c < CONVERSATIONS; c++) {
      let before: string | undefined
      for (let page = 0; page < n; page++) {
        const got = await store.list(records[c].conversation, { limit: 50, before })
        if (got.length === 0) break
        read += got.length
        before = got[0].id
      }
    }
    if (read !== n) throw new Error(`read ${read} of ${n} messages back`)
    const pageUs = (performance.now() - t0) * 1000 / n
    t0 = performance.now()
    for (const r of records) if ((await store.get(r.id))?.body !== r.body) throw new Error('a message read back wrong')
    const getUs = (performance.now() - t0) * 1000 / n
    await db.close()
    return { writeUs, pageUs, getUs, bytes: await dirBytes(join(dir, 'db')) }
  } finally {
    await db?.close().catch(() => {})
    await removeDir(dir)
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const n = ctx.quick ? 2_000 : 20_000
  const plain: Timings[] = []
  const enc: Timings[] = []
  for (let i = 0; i < ROUNDS; i++) {
    ctx.log(`round ${i + 1}/${ROUNDS}: ${n} messages, plain then encrypted`)
    plain.push(await round(n, false))
    enc.push(await round(n, true))
  }
  const pick = (ts: Timings[], k: keyof Timings): number => median(ts.map(t => t[k]))
  const salt = randomBytes(16)
  let t0 = performance.now()
  await argon2idKey('correct horse battery staple', ARGON2ID, salt)
  const argonMs = performance.now() - t0
  t0 = performance.now()
  await scryptKey('correct horse battery staple', { N: 2 ** 16, r: 8, p: 1 }, salt)
  const scryptMs = performance.now() - t0
  return {
    figures: [
      figure({ name: 'store a message (one batch)', unit: 'µs', value: pick(enc, 'writeUs'), baseline: 'plain level', baselineValue: pick(plain, 'writeUs'), better: 'lower', n }),
      figure({ name: 'read a message, paging 50 at a time', unit: 'µs', value: pick(enc, 'pageUs'), baseline: 'plain level', baselineValue: pick(plain, 'pageUs'), better: 'lower', n }),
      figure({ name: 'get a message by id', unit: 'µs', value: pick(enc, 'getUs'), baseline: 'plain level', baselineValue: pick(plain, 'getUs'), better: 'lower', n }),
      figure({ name: 'bytes on disk per message', unit: 'B', value: pick(enc, 'bytes') / n, baseline: 'plain level', baselineValue: pick(plain, 'bytes') / n, better: 'lower', n }),
      figure({ name: 'passphrase KDF: Argon2id 64 MiB t=3', unit: 'ms', value: argonMs, baseline: 'scrypt N=2^16 (before)', baselineValue: scryptMs, better: 'higher', n: 1 })
    ],
    details: { n, rounds: ROUNDS, conversations: CONVERSATIONS, plain, encrypted: enc, argon2id: ARGON2ID },
    notes: ['medians of the rounds; each round is a fresh database, plain and encrypted alternating']
  }
}

export const bench: Bench = {
  name: 'store',
  description: 'the encrypted level store vs plain level: write, page, get N messages; the passphrase KDF',
  tags: ['store'],
  run
}
