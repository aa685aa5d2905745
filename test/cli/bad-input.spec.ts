import assert from 'node:assert/strict'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from './run-cli.ts'

/** one line on stderr, nothing else */
function oneLine (stderr: string): string {
  const lines = stderr.trim().split('\n')
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`)
  return lines[0]
}

describe('bad input gets one clear line, a non-zero exit, and changes nothing', () => {
  let root: string
  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-bad-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('--help and --version', async () => {
    const help = await runCli(['--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /usage: hyphae COMMAND/)
    const version = await runCli(['--version'])
    assert.equal(version.code, 0)
    assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/)
    const daemonHelp = await runCli(['daemon', '--help'])
    assert.match(daemonHelp.stdout, /--no-mdns/)
  })

  it('an unknown command or flag is a usage error (exit 2)', async () => {
    const dir = join(root, 'flags')
    const cmd = await runCli(['frobnicate', '--data-dir', dir])
    assert.equal(cmd.code, 2)
    assert.match(oneLine(cmd.stderr), /unknown command "frobnicate"/)
    const flag = await runCli(['daemon', '--data-dir', dir, '--no-such-flag'])
    assert.equal(flag.code, 2)
    assert.match(oneLine(flag.stderr), /Unknown option '--no-such-flag'/)
    const missing = await runCli(['daemon', '--data-dir', dir, '--listen'])
    assert.equal(missing.code, 2)
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  it('a malformed multiaddr is refused before the profile is touched', async () => {
    const dir = join(root, 'ma')
    for (const bad of ['/ip4/999.1.1.1/tcp/0', 'not-a-multiaddr', '/ip4/127.0.0.1/tcp/notaport']) {
      const r = await runCli(['daemon', '--data-dir', dir, '--no-mdns', '--listen', bad])
      assert.equal(r.code, 2, r.stderr)
      assert.match(oneLine(r.stderr), /not a valid multiaddr/)
      const b = await runCli(['daemon', '--data-dir', dir, '--no-mdns', '--bootstrap', bad])
      assert.equal(b.code, 2, b.stderr)
    }
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  it('a bad relay line or relay flag is refused before the profile is touched', async () => {
    const dir = join(root, 'relays')
    const line = await runCli(['relays', 'add', 'hyphae://relay/BApPLAIGAbvAA8EDD3d3dy5l', '--data-dir', dir])
    assert.equal(line.code, 1, line.stderr)
    assert.match(oneLine(line.stderr), /not a relay line/)
    const flag = await runCli(['relay', '--tls-cert', 'cert.pem', '--data-dir', dir])
    assert.equal(flag.code, 2, flag.stderr)
    assert.match(oneLine(flag.stderr), /--tls-cert goes with --website HOST:PORT/)
    const host = await runCli(['relay', '--website', 'relay.example.org:443', '--data-dir', dir])
    assert.equal(host.code, 2, host.stderr)
    assert.match(oneLine(host.stderr), /listens on an IP address/)
    const proxy = await runCli(['daemon', '--proxy', 'http://127.0.0.1:8080', '--data-dir', dir])
    assert.equal(proxy.code, 2, proxy.stderr)
    assert.match(oneLine(proxy.stderr), /a SOCKS5 proxy/)
    const onion = await runCli(['daemon', '--onion', '127.0.0.1:99999', '--data-dir', dir])
    assert.equal(onion.code, 2, onion.stderr)
    assert.match(oneLine(onion.stderr), /--onion takes tor's control port/)
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  it('id on an empty profile says to run init and creates nothing', async () => {
    const dir = join(root, 'empty')
    const r = await runCli(['id', '--data-dir', dir])
    assert.equal(r.code, 1)
    assert.match(oneLine(r.stderr), /run `hyphae init` first/)
    await assert.rejects(readdir(dir), { code: 'ENOENT' })
  })

  it('init twice refuses and keeps the first identity', async () => {
    const dir = join(root, 'twice')
    assert.equal((await runCli(['init', '--data-dir', dir])).code, 0)
    const key = await readFile(join(dir, 'identity.key'))
    const again = await runCli(['init', '--data-dir', dir, '--name', 'x'])
    assert.equal(again.code, 1)
    assert.match(oneLine(again.stderr), /already holds an identity/)
    assert.deepEqual(await readFile(join(dir, 'identity.key')), key)
  })

  it('a corrupt key file is reported and left byte-identical', async () => {
    const dir = join(root, 'corrupt')
    assert.equal((await runCli(['init', '--data-dir', dir])).code, 0)
    for (const garbage of ['{"format":"hyphae-identity/1","type":"Ed25519","key":"AAAA"}', '{not json', '']) {
      await writeFile(join(dir, 'identity.key'), garbage)
      const r = await runCli(['id', '--data-dir', dir])
      assert.equal(r.code, 1, r.stderr)
      assert.match(oneLine(r.stderr), /unreadable or corrupt/)
      assert.equal(await readFile(join(dir, 'identity.key'), 'utf8'), garbage)
    }
  })

  it('an encrypted key: the right passphrase opens it, a wrong or missing one fails cleanly', async () => {
    const dir = join(root, 'enc')
    const init = await runCli(['init', '--data-dir', dir], { HYPHAE_PASSPHRASE: 'correct horse' })
    assert.equal(init.code, 0, init.stderr)
    assert.match(init.stdout, /\(encrypted\)/)
    const key = await readFile(join(dir, 'identity.key'))
    assert.doesNotMatch(key.toString(), /"key"/)

    const wrong = await runCli(['id', '--data-dir', dir], { HYPHAE_PASSPHRASE: 'battery staple' })
    assert.equal(wrong.code, 1)
    assert.match(oneLine(wrong.stderr), /wrong passphrase/)
    const none = await runCli(['id', '--data-dir', dir], { HYPHAE_PASSPHRASE: '' })
    assert.equal(none.code, 1)
    assert.match(oneLine(none.stderr), /encrypted: set HYPHAE_PASSPHRASE/)
    assert.deepEqual(await readFile(join(dir, 'identity.key')), key)

    const right = await runCli(['id', '--json', '--data-dir', dir, ], { HYPHAE_PASSPHRASE: 'correct horse' })
    assert.equal(right.code, 0, right.stderr)
    assert.match(JSON.parse(right.stdout).peerId, /^12D3KooW/)
  })

  it('rpc params that are not JSON are a usage error', async () => {
    const r = await runCli(['rpc', 'status', '{nope', '--data-dir', join(root, 'rpc')])
    assert.equal(r.code, 2)
    assert.match(oneLine(r.stderr), /not valid JSON/)
  })
})
