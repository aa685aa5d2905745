import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { ROOT, freshBundle } from '../../bin/bundle.js'
import { runCli, waitForLine } from './run-cli.ts'

const run = promisify(execFile)

describe('the bundle (scripts/build.js)', () => {
  // built from the current sources next to the repo's own files (it reads ../package.json and
  // finds classic-level in node_modules), without touching dist/, which bin/hyphae.js may be running
  const bundle = join(ROOT, '.tmp', `bundle-spec-${process.pid}.mjs`)
  let dataDir: string
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hyphae-bundle-'))
    await run(process.execPath, ['scripts/build.js', '--outfile', bundle], { cwd: ROOT })
  })
  after(async () => {
    await rm(bundle, { force: true })
    await rm(dataDir, { recursive: true, force: true })
  })

  it('prints the version and the help', async () => {
    const version = (await run(process.execPath, [bundle, '--version'])).stdout.trim()
    const { version: expected } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    assert.equal(version, expected)
    assert.match((await run(process.execPath, [bundle, '--help'])).stdout, /usage: hyphae COMMAND/)
  })

  it('creates an identity and starts a daemon that listens', async () => {
    const env = { ...process.env, HYPHAE_PASSPHRASE: '' }
    const init = await run(process.execPath, [bundle, 'init', '--no-passphrase', '--name', 'bundled', '--data-dir', dataDir], { env })
    assert.match(init.stdout, /created identity 12D3KooW/)
    const child = spawn(process.execPath, [bundle, 'daemon', '--data-dir', dataDir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', d => { output += d })
    child.stderr.on('data', d => { output += d })
    const exited = new Promise<number | null>(resolve => child.on('close', resolve))
    try {
      const line = await waitForLine({ child, output: () => output }, /"event":"started"/)
      assert.match(JSON.parse(line).addresses.join(' '), /\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    } finally {
      child.kill('SIGTERM')
    }
    assert.equal(await exited, 0, output)
  })
})

describe('bin/hyphae.js runs the bundle only while it matches the sources', () => {
  let root: string
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'hyphae-fresh-'))
    await mkdir(join(root, 'dist'))
    await mkdir(join(root, 'cli'))
    await writeFile(join(root, 'cli', 'index.ts'), '')
    await writeFile(join(root, 'package.json'), '{}')
    // a build that began one minute after its inputs were last written
    const past = new Date(Date.now() - 120_000)
    await utimes(join(root, 'cli', 'index.ts'), past, past)
    await utimes(join(root, 'package.json'), past, past)
    await writeFile(join(root, 'dist', 'hyphae.mjs'), '')
    await writeFile(join(root, 'dist', 'hyphae.stamp.json'), JSON.stringify({ startedAt: Date.now() - 60_000, inputs: ['cli/index.ts', 'package.json'] }))
  })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  it('fresh, then stale once an input changes, then stale once an input is gone', async () => {
    assert.equal(freshBundle(root), join(root, 'dist', 'hyphae.mjs'))
    await writeFile(join(root, 'cli', 'index.ts'), 'export {}')
    const why: string[] = []
    assert.equal(freshBundle(root, why), undefined)
    assert.deepEqual(why, ['cli/index.ts changed since the build'])
    await rm(join(root, 'package.json'))
    await utimes(join(root, 'cli', 'index.ts'), new Date(0), new Date(0))
    assert.equal(freshBundle(root), undefined)
  })

  it('no bundle: the sources', async () => {
    await rm(join(root, 'dist'), { recursive: true })
    const why: string[] = []
    assert.equal(freshBundle(root, why), undefined)
    assert.match(why[0], /no bundle/)
  })

  it('HYPHAE_FROM_SOURCE=1 runs the sources whatever dist/ holds', async () => {
    const result = await runCli(['--version'], { HYPHAE_FROM_SOURCE: '1', HYPHAE_DEBUG: '1' })
    assert.equal(result.code, 0)
    assert.match(result.stderr, /running the sources through tsx/)
  })
})
