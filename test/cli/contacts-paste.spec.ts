import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { NODE_OPTIONS, pastedAfterFlags } from '../../cli/args.ts'
import { createInvite } from '../../node/invite.ts'
import { runCli } from './run-cli.ts'

const NODE_FLAGS = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

describe('hyphae contacts add takes an invite pasted unquoted, in pieces', () => {
  let root: string
  let dir: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-paste-'))
    dir = join(root, 'bob')
    assert.equal((await runCli(['init', '--name', 'bob', '--no-passphrase', '--data-dir', dir])).code, 0)
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('the words of a framed selection become one invite, and a word after it the nickname', async () => {
    const key = await generateKeyPair('Ed25519')
    const invite = await createInvite(key, 'alice', [multiaddr('/ip4/192.0.2.1/tcp/4001')])
    // what the shell hands over when a framed, wrapped invite is pasted after `contacts add`
    const words = (invite.match(/.{1,30}/g) ?? []).flatMap(piece => ['│', piece, '│'])
    const r = await runCli(['contacts', 'add', ...words, 'Alice', '--data-dir', dir, ...NODE_FLAGS])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^added Alice +${peerIdFromPrivateKey(key).toString()}`))
    // other actions keep their strict count
    const extra = await runCli(['contacts', 'remove', 'Alice', 'extra', 'words', '--data-dir', dir])
    assert.equal(extra.code, 2)
    assert.match(extra.stderr, /unexpected argument "words"/)
  })

  it('a piece that starts with - is a word of the invite, not a flag', () => {
    assert.deepEqual(
      pastedAfterFlags(['add', 'hyphae://invite/Ab', '-1cD', '--data-dir', 'X', '--no-mdns', '-h', '--listen=/ip4/1.2.3.4/tcp/1', 'bob'], NODE_OPTIONS),
      ['--data-dir', 'X', '--no-mdns', '-h', '--listen=/ip4/1.2.3.4/tcp/1', '--', 'add', 'hyphae://invite/Ab', '-1cD', 'bob'])
  })
})
