import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { BIN, runCli } from '../run-cli.ts'
import { freePort } from '../../messaging/helpers.ts'
import { waitFor } from '../../fixtures/wait-for.ts'

const exec = promisify(execFile)
const SOCKET = `hyphae-tui-test-${process.pid}`
const tmux = async (...args: string[]): Promise<string> => (await exec('tmux', ['-u', '-L', SOCKET, ...args])).stdout
const tmuxVersion = await exec('tmux', ['-V']).then(r => r.stdout.trim(), () => undefined)
if (tmuxVersion == null) console.log('# skipping the tmux end-to-end test: tmux is not installed (apt-get install tmux)')

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

describe('tui: two real hyphae processes in tmux', { skip: tmuxVersion == null ? 'tmux is not installed' : false }, () => {
  let root: string

  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-tmux-')) })
  after(async () => {
    await tmux('kill-server').catch(() => {})
    if (root != null) await rm(root, { recursive: true, force: true })
  })

  it('Alice writes, Bob sees it and replies, Alice sees the reply and her message delivered; then a group', { timeout: 180_000 }, async () => {
    const env = { HYPHAE_PASSPHRASE: '' }
    const people = await Promise.all(['alice', 'bob'].map(async name => {
      const dir = join(root, name)
      const listen = `/ip4/127.0.0.1/tcp/${await freePort()}`
      const created = await runCli(['init', '--name', name, '--no-passphrase', '--data-dir', dir], env)
      assert.equal(created.code, 0, created.stderr)
      const invite = await runCli(['invite', '--no-qr', '--data-dir', dir, '--listen', listen, '--no-mdns'], env)
      assert.equal(invite.code, 0, invite.stderr)
      return { name, dir, listen, invite: invite.stdout.split('\n').find(l => l.startsWith('hyphae://invite/'))!, log: join(root, `${name}.log`), exit: join(root, `${name}.exit`) }
    }))
    const [alice, bob] = people
    for (const [me, them] of [[alice, bob], [bob, alice]]) {
      const added = await runCli(['contacts', 'add', them.invite, '--data-dir', me.dir, '--listen', me.listen, '--no-mdns'], env)
      assert.equal(added.code, 0, added.stderr)
    }

    // the real binary under the pinned node, in a 100x30 terminal each
    for (const p of people) {
      // the shell stays to write the exit code where the test can read it
      const command = `env -u CI HYPHAE_PASSPHRASE= ${quote(process.execPath)} ${quote(BIN)} --data-dir ${quote(p.dir)} --listen ${p.listen} --no-mdns 2>>${quote(p.log)}; echo $? > ${quote(p.exit)}; sleep 600`
      await tmux('new-session', '-d', '-s', p.name, '-x', '100', '-y', '30', '-e', 'LANG=C.UTF-8', command)
    }
    const screen = async (name: string): Promise<string> => tmux('capture-pane', '-p', '-t', name)
    const stderrOf = (name: string): string => { try { return readFileSync(people.find(p => p.name === name)!.log, 'utf8') } catch { return '' } }
    const waitScreen = async (name: string, check: (s: string) => boolean, what: string): Promise<string> => {
      let last = ''
      return waitFor(async () => { last = await screen(name); return check(last) ? last : undefined }, {
        message: () => `${name}'s screen to show ${what}; it shows:\n${last}\nits stderr:\n${stderrOf(name)}`,
        timeout: 60_000,
        interval: 100
      })
    }

    await waitScreen('alice', s => s.includes('message bob'), 'the conversation with bob')
    await waitScreen('bob', s => s.includes('message alice'), 'the conversation with alice')

    await tmux('send-keys', '-t', 'alice', '-l', 'hello from alice')
    await waitScreen('alice', s => s.includes('› hello from alice'), 'the typed text')
    await tmux('send-keys', '-t', 'alice', 'Enter')
    const bobSees = await waitScreen('bob', s => /alice: hello from alice/.test(s), 'alice\'s message')
    assert.match(bobSees, /\d\d:\d\d +alice: hello from alice/)

    await tmux('send-keys', '-t', 'bob', '-l', 'hi alice, bob here')
    await tmux('send-keys', '-t', 'bob', 'Enter')
    const aliceSees = await waitScreen('alice', s => /bob: hi alice, bob here/.test(s) && /✓✓ alice: hello from alice/.test(s), 'bob\'s reply and her message delivered')
    assert.match(aliceSees, /\d\d:\d\d ✓✓ alice: hello from alice/)
    assert.match(aliceSees, /\d\d:\d\d +bob: hi alice, bob here/)
    assert.match(aliceSees, / [1-9]\d* conn · /, 'the status bar counts the connection')

    // a group: Alice makes one and sends Bob its invite; Bob joins from the conversation and writes
    const type = async (name: string, text: string): Promise<void> => {
      await tmux('send-keys', '-t', name, '-l', text)
      await waitScreen(name, s => s.includes(`› ${text}`), `the typed ${JSON.stringify(text)}`)
      await tmux('send-keys', '-t', name, 'Enter')
    }
    await type('alice', '/group new club')
    await waitScreen('alice', s => s.includes('club · 1 member'), 'the new group open')
    await type('alice', '/group invite bob')
    await waitScreen('alice', s => s.includes('sent bob the invite to club'), 'the invite sent')
    await waitScreen('bob', s => s.includes('Join my group "club"'), 'alice\'s invite')
    await type('bob', '/join')
    await waitScreen('bob', s => s.includes('joined club'), 'bob in the group')
    await type('bob', 'hello club')
    const groupSeen = await waitScreen('alice', s => /bob: hello club/.test(s), 'bob\'s message in the group')
    assert.match(groupSeen, /─ bob joined/, 'and his join')

    // Ctrl+C stops each node cleanly: the process exits 0
    for (const p of people) {
      await tmux('send-keys', '-t', p.name, 'C-c')
      let last = ''
      const code = await waitFor(async () => {
        last = await screen(p.name)
        return readFile(p.exit, 'utf8').then(text => text.trim(), () => undefined)
      }, {
        message: () => `${p.name}'s hyphae to exit; it shows:\n${last}\nits stderr:\n${stderrOf(p.name)}`,
        timeout: 30_000,
        interval: 100
      })
      assert.equal(code, '0', `${p.name}'s exit code; stderr:\n${stderrOf(p.name)}`)
    }
  })
})
