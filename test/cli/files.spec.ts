import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { callRpc } from '../../cli/rpc/client.ts'
import { runCli, startCli, waitForLine, type CliProcess } from './run-cli.ts'
import { removeDir, tempDir, waitFor } from '../fixtures/index.ts'
import { randomFile, sha256Of } from '../files/helpers.ts'

const ENV = { HYPHAE_PASSPHRASE: '' }

describe('hyphae send --file and hyphae files (real daemons)', { timeout: 300_000 }, () => {
  let root: string
  const procs: CliProcess[] = []
  const sockets: Record<string, string> = {}
  const peers: Record<string, string> = {}

  before(async () => {
    root = await tempDir('hyphae-cli-files-')
    for (const name of ['alice', 'bob']) {
      assert.equal((await runCli(['init', '--no-passphrase', '--name', name, '--data-dir', `${root}/${name}`], ENV)).code, 0)
      const proc = startCli(['daemon', '--data-dir', `${root}/${name}`, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], ENV)
      procs.push(proc)
      const started = JSON.parse(await waitForLine(proc, /"event":"started"/, 60_000))
      sockets[name] = started.socket
      peers[name] = started.peerId
    }
    await callRpc(sockets.alice, 'contacts.add', { invite: (await callRpc(sockets.bob, 'id', {})).invite, nickname: 'bob' })
    await callRpc(sockets.bob, 'contacts.add', { invite: (await callRpc(sockets.alice, 'id', {})).invite, nickname: 'alice' })
  })
  after(async () => {
    await Promise.all(procs.map(async p => p.stop('SIGKILL')))
    await removeDir(root)
  })

  it('offers a file, and the contact accepts it into a folder of its choosing', async () => {
    const { path, sha256 } = await randomFile(root, 'leaflet.pdf', 3 << 20)
    const sent = await runCli(['send', 'bob', '--file', path, '--json', '--data-dir', `${root}/alice`], ENV)
    assert.equal(sent.code, 0, sent.stderr)
    const offer = JSON.parse(sent.stdout)
    assert.equal(offer.file.name, 'leaflet.pdf')
    assert.equal(offer.file.size, 3 << 20)
    await waitFor(async () => (await runCli(['files', 'list', 'alice', '--data-dir', `${root}/bob`], ENV)).stdout.includes('offered'), { message: 'the offer in bob\'s list', timeout: 60_000 })
    const to = `${root}/saved`
    const accepted = await runCli(['files', 'accept', offer.file.id.slice(0, 10), '--to', to, '--wait', '120', '--data-dir', `${root}/bob`], ENV, 180_000)
    assert.equal(accepted.code, 0, accepted.stderr)
    // not a terminal: no progress lines, one last line saying where it went
    assert.equal(accepted.stderr, '')
    assert.match(accepted.stdout.trim(), new RegExp(`^${offer.file.id.slice(0, 12)}  from .+  complete .+ leaflet\\.pdf  -> ${to}/leaflet\\.pdf$`))
    assert.equal(await sha256Of(`${to}/leaflet.pdf`), sha256)
  })

  it('bad input says what is wrong', async () => {
    const missing = await runCli(['send', 'bob', '--file', `${root}/nope.pdf`, '--data-dir', `${root}/alice`], ENV)
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^hyphae: no file at .*nope\.pdf/)
    const both = await runCli(['send', 'bob', 'hello', '--file', `${root}/nope.pdf`, '--data-dir', `${root}/alice`], ENV)
    assert.equal(both.code, 2)
    assert.match(both.stderr, /send: --file takes no TEXT/)
    const unknown = await runCli(['files', 'accept', 'ffff', '--data-dir', `${root}/bob`], ENV)
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no file "ffff"/)
  })
})
