import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { base32 } from 'multiformats/bases/base32'
import { base64url } from 'multiformats/bases/base64'
import { createMessenger, openProfile } from '../../../node/create-node.ts'
import { CorruptStoreError } from '../../../node/errors.ts'
import { keyFilePath } from '../../../node/identity.ts'
import { TorControl } from '../../../node/net/tor-control.ts'
import { StoreCipher } from '../../../node/store/encrypted-level.ts'
import { openLevel } from '../../../node/store/database.ts'
import { MIN_TIMER_S } from '../../../node/direct/disappearing.ts'
import { addressOf, createNetwork, removeDir, tempDir, TEST_NODE_INIT, waitFor } from '../../fixtures/index.ts'
import { startLocalTor, torUnavailable } from '../../fixtures/tor.ts'
import type { RelayInit } from '../../../node/create-node.ts'
import { formGroup, texts } from '../../groups/helpers.ts'
import { addEachOther, EventLog } from '../../messaging/helpers.ts'

const torMissing = await torUnavailable()

const RELAY: RelayInit = { maxReservations: 16, reservationTtlMs: 3_600_000, durationLimitMs: 3_600_000, dataLimitBytes: 1n << 26n }

/** Every file under `dir`, as bytes, by path. */
async function filesUnder (dir: string): Promise<Map<string, Buffer>> {
  const files = await readdir(dir, { recursive: true, withFileTypes: true })
  const out = new Map<string, Buffer>()
  for (const f of files) if (f.isFile()) out.set(join(f.parentPath, f.name), await readFile(join(f.parentPath, f.name)))
  return out
}

/** The files under `dir` that hold `needle`. */
function holding (files: Map<string, Buffer>, needle: Uint8Array | string): string[] {
  return [...files].filter(([, bytes]) => bytes.indexOf(needle) !== -1).map(([path]) => path)
}

describe('what a seized disk gives away', { timeout: 180_000 }, () => {
  it('no message, nickname, group name, peer id or secret is readable anywhere in the profile', async () => {
    const network = await createNetwork(2, { init: i => ({ nickname: ['Zanzibar-Quokka', 'Okapi-Marmalade'][i] }) })
    try {
      const [a, b] = network.nodes
      const logA = new EventLog(a)
      const logB = new EventLog(b)
      await addEachOther([a, b])
      await a.renameContact(b.peerId, 'Aunt-Wisteria-Nickname')
      await b.renameContact(a.peerId, 'Cousin-Periwinkle-Nickname')
      const toB = await a.sendMessage(b.peerId, 'the march starts at Plaza Xylophone at dawn')
      const toA = await b.sendMessage(a.peerId, 'bring the banners to Quillfeather Street')
      await waitFor(() => logB.messages.some(m => m.id === toB.id) && logA.messages.some(m => m.id === toA.id), { timeout: 60_000, message: 'both messages to arrive' })
      const group = await formGroup([a, b], 'Clandestine-Heron-Circle')
      await a.sendGroupMessage(group.id, 'group plan: meet under the Vermilion bridge')
      await waitFor(async () => (await texts(b, group.id)).includes('group plan: meet under the Vermilion bridge'), { timeout: 60_000, message: 'the group message to arrive' })
      const secrets = Object.values((await a.groups.store.group(group.id))?.secrets ?? {})
      assert.ok(secrets.length > 0, 'the group has an epoch secret')
      const keys = [a, b].map(n => privateKeyToProtobuf((n as any).components.key))
      logA.detach()
      logB.detach()
      await a.stop()
      await b.stop()

      const needles: Array<[string, Uint8Array | string]> = [
        ['a message', 'Plaza Xylophone'], ['a reply', 'Quillfeather'], ['a group message', 'Vermilion'],
        ['a profile nickname', 'Zanzibar-Quokka'], ['a profile nickname', 'Okapi-Marmalade'],
        ['a contact nickname', 'Aunt-Wisteria'], ['a contact nickname', 'Cousin-Periwinkle'],
        ['the group name', 'Clandestine-Heron'], ['the group id', group.id],
        ['a peer id', a.peerId], ['a peer id', b.peerId],
        ['a peer id (bytes)', peerIdFromString(a.peerId).toMultihash().bytes], ['a peer id (bytes)', peerIdFromString(b.peerId).toMultihash().bytes],
        ['a public key (bytes)', a.libp2p.peerId.publicKey?.raw ?? new Uint8Array(32)],
        ...secrets.map((s): [string, string | Uint8Array] => ['a group secret', s]),
        ...secrets.map((s): [string, string | Uint8Array] => ['a group secret (bytes)', Buffer.from(s, 'hex')]),
        ...keys.map((k): [string, Uint8Array] => ['an identity private key', k.subarray(-32)])
      ]
      for (const dir of network.dirs) {
        const files = await filesUnder(dir)
        assert.ok(files.size > 0)
        for (const [what, needle] of needles) {
          assert.deepEqual(holding(files, needle), [], `${what} (${typeof needle === 'string' ? needle : Buffer.from(needle).toString('hex')}) is on disk`)
        }
      }
    } finally {
      await network.stop()
    }
  })

  it('a conversation through a relay leaves nothing readable anywhere in any of the three profiles', { timeout: 240_000 }, async () => {
    const network = await createNetwork(3, {
      init: (i, started) => i === 0
        ? { relay: RELAY, relayClient: false, nickname: 'Relay-Gannet-Lantern' }
        : { bootstrap: [addressOf(started[0])], nickname: ['', 'Zanzibar-Quokka', 'Okapi-Marmalade'][i], passphrase: i === 1 ? 'correct horse battery staple' : undefined }
    })
    try {
      const [relay, a, b] = network.nodes
      for (const node of [a, b]) {
        await waitFor(async () => (await node.id()).addresses.some(x => x.includes(`/p2p/${relay.peerId}/p2p-circuit`)), { message: `${node.peerId} holds a slot on the relay`, timeout: 30_000 })
      }
      await a.addContact((await b.id()).invite, 'Aunt-Wisteria-Nickname')
      await b.addContact((await a.id()).invite, 'Cousin-Periwinkle-Nickname')
      const logB = new EventLog(b)
      const toB = await a.sendMessage(b.peerId, 'the march starts at Plaza Xylophone at dawn')
      await waitFor(() => logB.messages.some(m => m.id === toB.id), { timeout: 60_000, message: 'the message to arrive' })
      logB.detach()
      const group = await formGroup([a, b], 'Clandestine-Heron-Circle')
      await a.sendGroupMessage(group.id, 'group plan: meet under the Vermilion bridge')
      await waitFor(async () => (await texts(b, group.id)).includes('group plan: meet under the Vermilion bridge'), { timeout: 60_000, message: 'the group message to arrive' })
      const secrets = Object.values((await a.groups.store.group(group.id))?.secrets ?? {})

      // B out of reach: the next one waits in its mailbox on the relay
      await b.stop()
      const mailed = await a.sendMessage(b.peerId, 'a letter about the Juniper Observatory')
      await waitFor(async () => (await a.listMessages(b.peerId)).find(m => m.id === mailed.id)?.status === 'sent', { timeout: 60_000, message: 'the relay to take the letter' })
      const b2 = await network.restart(2, { bootstrap: [addressOf(relay)] })
      await waitFor(async () => (await b2.listMessages(a.peerId)).some(m => m.id === mailed.id), { timeout: 60_000, message: 'B to fetch the letter' })

      // and one that disappears
      await a.setTimer(b2.peerId, MIN_TIMER_S)
      await waitFor(async () => (await b2.listContacts()).find(c => c.peerId === a.peerId)?.timer === MIN_TIMER_S, { timeout: 30_000, message: 'B to follow the timer' })
      const vanishing = await b2.sendMessage(a.peerId, 'vanishing note about the Tangerine Lighthouse')
      await waitFor(async () => (await a.listMessages(b2.peerId)).some(m => m.id === vanishing.id), { timeout: 60_000, message: 'the vanishing note to arrive' })
      await waitFor(async () => !(await a.listMessages(b2.peerId)).some(m => m.id === vanishing.id) && !(await b2.listMessages(a.peerId)).some(m => m.id === vanishing.id), { timeout: 60_000, message: 'the note to expire on both sides' })

      const keys = [relay, a, b2].map(n => privateKeyToProtobuf((n as any).components.key))
      const peers = [relay, a, b2].map(n => peerIdFromString(n.peerId))
      for (const node of [relay, a, b2]) await node.stop()

      const needles: Array<[string, Uint8Array | string]> = [
        ['a message', 'Plaza Xylophone'], ['a group message', 'Vermilion'], ['a mailbox letter', 'Juniper Observatory'], ['an expired message', 'Tangerine Lighthouse'],
        ['a profile nickname', 'Zanzibar-Quokka'], ['a profile nickname', 'Okapi-Marmalade'], ['a profile nickname', 'Relay-Gannet-Lantern'],
        ['a contact nickname', 'Aunt-Wisteria'], ['a contact nickname', 'Cousin-Periwinkle'],
        ['the group name', 'Clandestine-Heron'], ['the group id', group.id],
        ...peers.flatMap((p): Array<[string, Uint8Array | string]> => [
          ['a peer id', p.toString()], ['a peer id (multihash bytes)', p.toMultihash().bytes], ['a peer id (CID, as libp2p keys its peer store)', p.toCID().toString()],
          ['a public key (bytes)', p.publicKey?.raw ?? new Uint8Array(32)]
        ]),
        ...secrets.map((s): [string, string | Uint8Array] => ['a group secret', s]),
        ...secrets.map((s): [string, string | Uint8Array] => ['a group secret (bytes)', Buffer.from(s, 'hex')]),
        ...keys.map((k): [string, Uint8Array] => ['an identity private key', k.subarray(-32)])
      ]
      assert.ok(secrets.length > 0, 'the group has an epoch secret')
      for (const dir of network.dirs) {
        // the whole profile: db/, the key file, and whatever else is in there
        const files = await filesUnder(dir)
        assert.ok([...files.keys()].some(f => f.endsWith('identity.key')))
        for (const [what, needle] of needles) {
          assert.deepEqual(holding(files, needle), [], `${what} (${typeof needle === 'string' ? needle : Buffer.from(needle).toString('hex')}) is on disk`)
        }
      }
    } finally {
      await network.stop()
    }
  })

  it('an onion service leaves neither its key nor its address readable in the profile', { skip: torMissing }, async () => {
    const tor = await startLocalTor()
    const dataDir = await tempDir('hyphae-onion-at-rest-')
    try {
      for (let run = 0; run < 2; run++) {
        const node = await createMessenger({ ...TEST_NODE_INIT, dataDir, onion: tor.control })
        await node.stop()
      }
      const profile = await openProfile(dataDir)
      const kept = await profile.meta.getJSON<{ key: string, cert: string, tlsKey: string, secretPath: string }>('onion')
      await profile.db.close()
      assert.ok(kept != null, 'the profile keeps the onion')
      const control = await TorControl.connect({ host: '127.0.0.1', port: tor.controlPort })
      const { serviceId } = await control.addOnion(443, '127.0.0.1:9', kept.key)
      control.close()
      const keyBase64 = kept.key.slice('ED25519-V3:'.length)
      const needles: Array<[string, Uint8Array | string]> = [
        ['the onion private key', keyBase64], ['the onion private key (bytes)', Buffer.from(keyBase64, 'base64')],
        ['the onion address', serviceId], ['the onion address (public key bytes)', base32.baseDecode(serviceId).subarray(0, 32)],
        ['the TLS private key', kept.tlsKey.split('\n')[1]], ['the secret path', kept.secretPath]
      ]
      const files = await filesUnder(dataDir)
      assert.ok([...files.keys()].some(f => f.endsWith('identity.key')))
      for (const [what, needle] of needles) {
        assert.deepEqual(holding(files, needle), [], `${what} (${typeof needle === 'string' ? needle : Buffer.from(needle).toString('hex')}) is on disk`)
      }
    } finally {
      await tor.stop()
      await removeDir(dataDir)
    }
  })

  it('a message tampered with on disk is a CorruptStoreError; the node keeps running', async () => {
    const network = await createNetwork(2)
    try {
      const [a, b] = network.nodes
      const logB = new EventLog(b)
      await addEachOther([a, b])
      const sent = await a.sendMessage(b.peerId, 'tamper with me')
      await waitFor(() => logB.messages.some(m => m.id === sent.id), { timeout: 60_000, message: 'the message to arrive' })
      logB.detach()
      await b.stop()

      // the attacker with the disk (and, with no passphrase, the key beside it) flips one bit
      const dataKey = base64url.baseDecode(JSON.parse(await readFile(keyFilePath(network.dirs[1]), 'utf8')).dataKey)
      const raw = await openLevel(network.dirs[1], 'db')
      const cipher = new StoreCipher(dataKey, raw.location)
      let tampered = 0
      for (const [key, value] of await raw.iterator({ gt: '\x00hyphae-store' }).all()) {
        if (!cipher.open(key, value)[0].startsWith('!messages!')) continue
        const bad = Uint8Array.from(value)
        bad[bad.length - 1] ^= 1
        await raw.put(key, bad)
        tampered++
      }
      await raw.close()
      assert.equal(tampered, 1)

      const again = await createMessenger({ ...TEST_NODE_INIT, dataDir: network.dirs[1] })
      try {
        await assert.rejects(again.listMessages(a.peerId), CorruptStoreError)
        assert.equal((await again.status()).peerId, b.peerId, 'the node still answers')
        assert.equal((await again.listContacts()).length, 1)
      } finally {
        await again.stop()
      }
    } finally {
      await network.stop()
    }
  })
})
