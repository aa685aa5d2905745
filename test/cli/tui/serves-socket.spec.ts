import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { socketPath } from '../../../node/config.ts'
import { waitFor } from '../../fixtures/index.ts'
import { BIN, runCli } from '../run-cli.ts'

const exec = promisify(execFile)
const SOCKET = `hyphae-tui-socket-test-${process.pid}`
const tmux = async (...args: string[]): Promise<string> => (await exec('tmux', ['-u', '-L', SOCKET, ...args])).stdout
const tmuxVersion = await exec('tmux', ['-V']).then(r => r.stdout.trim(), () => undefined)
if (tmuxVersion == null) console.log('# skipping the tui socket test: tmux is not installed (apt-get install tmux)')

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

describe('tui: the open terminal UI serves its profile\'s socket', { skip: tmuxVersion == null ? 'tmux is not installed' : false }, () => {
  let root: string

  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-tui-socket-')) })
  after(async () => {
    await tmux('kill-server').catch(() => {})
    if (root != null) await rm(root, { recursive: true, force: true })
  })

  it('hyphae id, contacts, send and rpc work beside it instead of "profile in use"; quitting removes the socket', { timeout: 120_000 }, async () => {
    const dir = join(root, 'alice')
    const log = join(root, 'alice.log')
    const exit = join(root, 'alice.exit')
    const created = await runCli(['init', '--name', 'alice', '--no-passphrase', '--data-dir', dir], { HYPHAE_PASSPHRASE: '' })
    assert.equal(created.code, 0, created.stderr)
    const command = `env -u CI HYPHAE_PASSPHRASE= ${quote(process.execPath)} ${quote(BIN)} --data-dir ${quote(dir)} --listen /ip4/127.0.0.1/tcp/0 --no-mdns 2>>${quote(log)}; echo $? > ${quote(exit)}; sleep 600`
    await tmux('new-session', '-d', '-s', 'alice', '-x', '100', '-y', '30', '-e', 'LANG=C.UTF-8', command)
    let last = ''
    const stderr = (): string => { try { return readFileSync(log, 'utf8') } catch { return '' } }
    await waitFor(async () => { last = await tmux('capture-pane', '-p', '-t', 'alice'); return last.includes('No conversations yet') }, {
      message: () => `the UI to open; it shows:\n${last}\nits stderr:\n${stderr()}`,
      timeout: 60_000,
      interval: 100
    })
    assert.equal((await stat(socketPath(dir))).mode & 0o777, 0o600)

    const id = await runCli(['id', '--json', '--data-dir', dir])
    assert.equal(id.code, 0, id.stderr)
    assert.equal(JSON.parse(id.stdout).nickname, 'alice')
    assert.equal((await runCli(['rpc', 'ping', '--data-dir', dir])).stdout.trim(), '"pong"')

    const dave = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const added = await runCli(['contacts', 'add', dave, '--name', 'dave', '--data-dir', dir])
    assert.equal(added.code, 0, added.stderr)
    const sent = await runCli(['send', 'dave', 'from the command line', '--wait', '0', '--data-dir', dir])
    assert.equal(sent.code, 0, sent.stderr)
    assert.match(sent.stdout, /^[0-9a-f]{32} queued: dave is not reachable now; the message waits in the outbox and the daemon keeps trying/)
    // the UI shows what the command did through its node
    await waitFor(async () => { last = await tmux('capture-pane', '-p', '-t', 'alice'); return last.includes('dave') }, {
      message: () => `dave in the UI's list; it shows:\n${last}`,
      timeout: 20_000,
      interval: 100
    })

    await tmux('send-keys', '-t', 'alice', 'C-c')
    const code = await waitFor(async () => readFile(exit, 'utf8').then(text => text.trim(), () => undefined), {
      message: () => `the UI to exit; its stderr:\n${stderr()}`,
      timeout: 30_000,
      interval: 100
    })
    assert.equal(code, '0', stderr())
    await assert.rejects(stat(socketPath(dir)), { code: 'ENOENT' })
  })
})
