import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { callRpc } from '../../cli/rpc/client.ts'
import { runCli } from '../cli/run-cli.ts'
import { startDaemonPair, type DaemonPair } from '../cli/daemon-pair.ts'
import { waitFor } from '../fixtures/index.ts'
import { randomFile, sha256Of } from '../files/helpers.ts'

describe('a file sent to a group through the daemons: hyphae group send --file, RPC files.send', { timeout: 300_000 }, () => {
  let pair: DaemonPair
  let group: string

  before(async () => {
    pair = await startDaemonPair('hyphae-group-file-')
    const created = await runCli(['group', 'create', 'leaflets', '--data-dir', pair.alice])
    assert.equal(created.code, 0, created.stderr)
    group = /^created leaflets +([0-9a-f]{32})/m.exec(created.stdout)?.[1] ?? assert.fail(created.stdout)
    const invite = (await runCli(['group', 'invite', 'leaflets', '--data-dir', pair.alice])).stdout.trim()
    const joined = await runCli(['group', 'join', invite, '--data-dir', pair.bob])
    assert.equal(joined.code, 0, joined.stderr)
  })

  after(async () => { await pair?.stop() })

  /** Waits for the offer of `id` in `dataDir`'s files, as a group file. */
  async function offered (dataDir: string, id: string): Promise<any> {
    return waitFor(async () => {
      const list = JSON.parse((await runCli(['files', 'list', '--json', '--data-dir', dataDir])).stdout)
      return list.find((f: any) => f.id === id && f.state === 'offered')
    }, { timeout: 60_000, message: `the offer of ${id.slice(0, 8)} in ${dataDir}` })
  }

  it('hyphae group send GROUP --file: the other member accepts it, same SHA-256', async () => {
    const { path, sha256 } = await randomFile(pair.root, 'leaflet.pdf', 3 << 20)
    const sent = await runCli(['group', 'send', 'leaflets', '--file', path, '--json', '--data-dir', pair.alice])
    assert.equal(sent.code, 0, sent.stderr)
    const offer = JSON.parse(sent.stdout)
    assert.equal(offer.file.group, group, 'offered in the group, not to a contact')
    assert.equal(offer.file.size, 3 << 20)

    const seen = await offered(pair.bob, offer.file.id)
    assert.equal(seen.group, group)
    const alicePeer = JSON.parse((await runCli(['id', '--json', '--data-dir', pair.alice])).stdout).peerId
    assert.equal(seen.author, alicePeer)
    const messages = await runCli(['group', 'messages', 'leaflets', '--data-dir', pair.bob])
    assert.match(messages.stdout, /\[file\] leaflet\.pdf \(3\.0 MiB\)/)

    const to = join(pair.root, 'bob-saved')
    const accepted = await runCli(['files', 'accept', offer.file.id.slice(0, 10), '--to', to, '--wait', '120', '--data-dir', pair.bob], {}, 180_000)
    assert.equal(accepted.code, 0, accepted.stderr)
    assert.match(accepted.stdout, /complete/)
    assert.equal(await sha256Of(join(to, 'leaflet.pdf')), sha256)
  })

  it('RPC files.send {group: true}: the other member accepts it over RPC, same SHA-256', async () => {
    const { path, sha256 } = await randomFile(pair.root, 'photo.jpg', (1 << 20) + 12_345)
    const sent = await callRpc(join(pair.bob, 'hyphae.sock'), 'files.send', { contact: 'leaflets', path, group: true })
    assert.equal(sent.file.group, group)
    const aliceSocket = join(pair.alice, 'hyphae.sock')
    await waitFor(async () => (await callRpc(aliceSocket, 'files.list', {})).find((f: any) => f.id === sent.file.id && f.state === 'offered'), { timeout: 60_000, message: 'the offer at alice' })
    const to = join(pair.root, 'alice-saved')
    await callRpc(aliceSocket, 'files.accept', { file: sent.file.id, dir: to })
    const done = await waitFor(async () => {
      const f = (await callRpc(aliceSocket, 'files.list', {})).find((x: any) => x.id === sent.file.id)
      if (f?.state === 'failed') throw new Error(`the download failed: ${f.error}`)
      return f?.state === 'complete' ? f : undefined
    }, { timeout: 120_000, message: 'the file complete at alice' })
    assert.equal(done.savedTo, join(to, 'photo.jpg'))
    assert.equal(await sha256Of(done.savedTo), sha256)
  })
})
