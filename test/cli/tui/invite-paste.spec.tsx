import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InviteOverlay } from '../../../cli/tui/components/InviteOverlay.tsx'
import { parseCommand } from '../../../cli/tui/commands.ts'
import { groupIdOf } from '../../../node/groups/crypto.ts'
import { createGroupInvite, parseGroupInvite } from '../../../node/groups/invite.ts'
import { createInvite, parseInvite, parsePastedInvite } from '../../../node/invite.ts'
import { harness } from './harness.tsx'
import type { Messenger } from '../../../node/messenger.ts'
import type { PrivateKey } from '@libp2p/interface'

const RELAY = '/ip4/203.0.113.7/tcp/4001/p2p/12D3KooWAqyH2hbRh2Wa3CJvUSFDVL4vWsHwE4yZ8xD5ZqoD8Ycv/p2p-circuit'

/** what a mouse selection of `lines` brings: each screen row, with its trailing newline */
const selection = (lines: string[]): string => lines.join('\n') + '\n'

describe('an invite survives copy and paste from the terminal', () => {
  let invite: string
  let peerId: string
  let key: PrivateKey

  before(async () => {
    key = await generateKeyPair('Ed25519')
    peerId = peerIdFromPrivateKey(key).toString()
    invite = await createInvite(key, 'alice', [multiaddr('/ip4/192.168.1.20/tcp/4001'), multiaddr(RELAY), multiaddr(RELAY + '/ws')])
  })

  const overlay = (width: number): ReturnType<typeof harness> => {
    const messenger = { id: async () => ({ peerId, nickname: 'alice', addresses: [], invite }) } as unknown as Messenger
    return harness(<InviteOverlay messenger={messenger} width={width} height={60} onClose={() => {}} />, { columns: width, rows: 60 })
  }

  for (const width of [44, 60, 100]) {
    it(`the framed invite view at ${width} columns, selected whole with the mouse, parses`, async () => {
      const h = overlay(width)
      try {
        const shown = await h.waitFor('your invite:')
        assert.match(shown, /│/, 'the view is framed')
        assert.ok(!shown.includes(invite), 'the invite is wrapped over several rows')
        const parsed = await parseInvite(selection(shown.split('\n')))
        assert.equal(parsed.peerId.toString(), peerId)
        assert.equal(parsed.addrs.length, 3)
      } finally {
        h.unmount()
      }
    })
  }

  it('c shows the invite unframed: its rows hold nothing else, and they parse', async () => {
    const h = overlay(60)
    try {
      await h.waitFor('your invite:')
      h.press('c')
      const shown = await h.waitFor('select all of its lines')
      assert.doesNotMatch(shown, /[│╭╮╰╯]/)
      const rows = shown.split('\n').filter(row => row.trim() !== '' && (invite.includes(row.trim())))
      assert.equal(rows.map(r => r.trim()).join(''), invite, 'the invite, row after row, with nothing else on its rows')
      assert.equal((await parseInvite(selection(rows))).peerId.toString(), peerId)
      h.press('\u001b')
      await h.waitFor('your invite:')
    } finally {
      h.unmount()
    }
  })

  it('line breaks (CRLF too), tabs, box borders and words around it are ignored', async () => {
    const pieces = invite.match(/.{1,37}/g) ?? []
    const framed = ['some words before ╭──────╮', ...pieces.map(p => `│ ${p}    │`), '╰──────╯ and after'].join('\r\n')
    assert.equal((await parseInvite(framed)).peerId.toString(), peerId)
    assert.equal((await parseInvite(pieces.join('\t\n  '))).peerId.toString(), peerId)
    // the prefix itself cut by the screen's edge
    assert.equal((await parseInvite(`${invite.slice(0, 10)}\n${invite.slice(10)}`)).peerId.toString(), peerId)
  })

  it('the words typed after a pasted invite are the nickname; a cut invite is still refused', async () => {
    const pieces = invite.match(/.{1,50}/g) ?? []
    const { invite: parsed, after } = await parsePastedInvite(`${pieces.join('\n')} Alice B`)
    assert.equal(parsed.peerId.toString(), peerId)
    assert.equal(after, 'Alice B')
    await assert.rejects(parseInvite(pieces.slice(0, -1).join('\n')), /truncated|signature|altered/)
    await assert.rejects(parseInvite(`│ ${invite.slice(0, -3)} │`), /truncated|signature|altered/)
  })

  it('/add takes the whole pasted text, not only its first piece', () => {
    const pasted = (invite.match(/.{1,40}/g) ?? []).join(' │ ')
    assert.deepEqual(parseCommand(`/add ${pasted} bob`), { command: { name: 'add', invite: `${pasted} bob` } })
    // a peer id and a nickname as before
    assert.deepEqual(parseCommand(`/add ${peerId} Bob B`), { command: { name: 'add', invite: peerId, nickname: 'Bob B' } })
  })

  it('a group invite pasted in framed pieces parses too, and /join takes it whole', async () => {
    const nonce = new Uint8Array(16).fill(3)
    const id = Buffer.from(groupIdOf(key.publicKey, nonce)).toString('hex')
    const text = createGroupInvite({ id, nonce: Buffer.from(nonce).toString('hex'), name: 'friends', epoch: 0, secret: new Uint8Array(32).fill(7), admin: peerId, members: [{ peerId, addrs: [multiaddr(RELAY)] }] }, key)
    const framed = (text.match(/.{1,33}/g) ?? []).map(p => `│ ${p} │`).join('\n')
    assert.equal(parseGroupInvite(framed).name, 'friends')
    assert.deepEqual(parseCommand(`/join ${framed}`), { command: { name: 'join', invite: framed } })
  })
})
