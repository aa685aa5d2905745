import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { base64url } from 'multiformats/bases/base64'
import { ContactBook } from '../../node/direct/contact-book.ts'
import { createInvite, INVITE_PREFIX, parseInvite } from '../../node/invite.ts'
import { ContactsStore } from '../../node/store/contacts-store.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { removeDir, tempDir } from '../fixtures/temp-dir.ts'
import type { PeerId } from '@libp2p/interface'

/** `npm run fuzz` sets 100000; `npm test` runs the default */
const RUNS = Number(process.env.HYPHAE_FUZZ_RUNS ?? 2000)
/** the only ways a pasted text may be refused */
const TYPED = new Set(['InvalidInviteError', 'InvalidArgumentError'])

describe('fuzz: invite text into the real contact book', { timeout: 1_800_000 }, () => {
  let dir: string
  let db: Database
  let invite: string
  let owner: PeerId

  before(async () => {
    dir = await tempDir()
    db = await openDatabase(dir, 'db', randomBytes(32))
    const key = await generateKeyPair('Ed25519')
    owner = peerIdFromPrivateKey(key)
    invite = await createInvite(key, 'alice', [multiaddr(`/ip4/192.0.2.1/tcp/4001/p2p/${owner.toString()}`)])
  })

  after(async () => {
    await db?.close()
    await removeDir(dir)
  })

  it('random and mutated invites: a typed refusal or the real inviter, nothing else stored', async () => {
    const store = new ContactsStore(db)
    const me = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const book = new ContactBook(store, { peerId: me, peerStore: { merge: async () => {} } } as any)
    const bytes = base64url.baseDecode(invite.slice(INVITE_PREFIX.length))
    const text = invite.slice(INVITE_PREFIX.length)
    const texts = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map(s => INVITE_PREFIX + s),
      fc.uint8Array({ maxLength: 400 }).map(b => INVITE_PREFIX + base64url.baseEncode(b)),
      // the bytes with a few flipped, or cut
      fc.array(fc.tuple(fc.nat(bytes.byteLength - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }).map(flips => {
        const out = Uint8Array.from(bytes)
        for (const [at, xor] of flips) out[at] ^= xor
        return INVITE_PREFIX + base64url.baseEncode(out)
      }),
      fc.nat(text.length).map(n => INVITE_PREFIX + text.slice(0, n)),
      // the text with a character replaced, as a bad copy would
      fc.tuple(fc.nat(text.length - 1), fc.constantFrom('A', '-', '_', '0', ' ', '\n', '=')).map(([at, c]) => INVITE_PREFIX + text.slice(0, at) + c + text.slice(at + 1))
    )
    await fc.assert(fc.asyncProperty(texts, async candidate => {
      try {
        const parsed = await parseInvite(candidate)
        assert.ok(parsed.peerId.equals(owner), 'whatever parses is the real invite')
        await book.add(candidate)
      } catch (err: any) {
        assert.ok(TYPED.has(err?.name), `untyped failure: ${err?.stack ?? err}`)
      }
    }), { numRuns: RUNS })
    assert.ok((await store.list()).every(c => c.peerId === owner.toString()), 'no contact but the inviter')
  })
})
