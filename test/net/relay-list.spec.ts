import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { formatRelayLine, parseRelayLine, RelayList } from '../../node/net/relay-list.ts'
import { openDatabase, type Database } from '../../node/store/database.ts'
import { MetaStore } from '../../node/store/meta-store.ts'
import { removeDir, tempDir } from '../fixtures/index.ts'

const RELAY = '12D3KooWBxC1cd63Rv67yCj7Qp4EN8e9FJL1nswtiw3T6CpkXhnz'
const ADDRESS = `/ip4/203.0.113.7/tcp/443/tls/sni/relay.example.org/certhash/uEiBODvFnNYD7ckRUpZakFGysxHzA10n9bsFU3FnXk9O1uQ/ws/http-path/s3cretPath/p2p/${RELAY}`

describe('relay lines', () => {
  it('round-trip a relay address, whitespace and line breaks from a paste ignored', () => {
    const line = formatRelayLine(multiaddr(ADDRESS))
    assert.match(line, /^hyphae:\/\/relay\/[A-Za-z0-9_-]+$/)
    const pasted = line.slice(0, 30) + '\n  ' + line.slice(30)
    assert.equal(parseRelayLine(pasted).toString(), ADDRESS)
    assert.equal(parseRelayLine(ADDRESS).toString(), ADDRESS, 'a bare multiaddr is taken as is')
  })

  it('refuses a cut, mistyped or relayed line with a clear error', () => {
    const line = formatRelayLine(multiaddr(ADDRESS))
    assert.throws(() => parseRelayLine(line.slice(0, 40)), /not a relay line/)
    assert.throws(() => parseRelayLine('hyphae://relay/!!!'), /not a relay line/)
    assert.throws(() => parseRelayLine('/ip4/203.0.113.7/tcp/443/tls/ws'), /ending in \/p2p\/PEER-ID/)
    assert.throws(() => parseRelayLine(`${ADDRESS}/p2p-circuit/p2p/${RELAY}`), /relay's own address/)
  })
})

describe('the relay list', () => {
  let dir: string
  let db: Database
  before(async () => { dir = await tempDir(); db = await openDatabase(dir, 'db', randomBytes(32)) })
  after(async () => { await db?.close(); await removeDir(dir) })

  it('keeps, lists and removes relays; adding one twice keeps one', async () => {
    const list = new RelayList(new MetaStore(db))
    const added = await list.add(formatRelayLine(multiaddr(ADDRESS)))
    assert.equal(added.peerId, RELAY)
    assert.equal(added.tls, true)
    await list.add(ADDRESS)
    assert.deepEqual((await list.list()).map(r => r.address), [ADDRESS])
    await assert.rejects(list.remove('12D3KooWnotthere'), /no such relay/)
    assert.deepEqual((await list.remove(RELAY)).map(r => r.address), [ADDRESS])
    assert.deepEqual(await list.list(), [])
  })
})
