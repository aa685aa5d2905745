import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runCli } from './run-cli.ts'

const PEER = '12D3KooWAqyH2hbRh2Wa3CJvUSFDVL4vWsHwE4yZ8xD5ZqoD8Ycv'

/** Every command that reads or changes a profile; none of them may make one. */
const COMMANDS: string[][] = [
  ['id'],
  ['invite', '--no-qr'],
  ['contacts', 'list'],
  ['contacts', 'add', PEER],
  ['send', PEER, 'hello', '--wait', '0'],
  ['messages', PEER],
  ['requests'],
  ['doctor', '--wait', '0'],
  ['relays', 'list'],
  ['group', 'list'],
  ['group', 'create', 'friends'],
  ['group', 'members', 'friends']
]

describe('a typo never creates a profile', () => {
  let root: string
  before(async () => { root = await mkdtemp(join(tmpdir(), 'hyphae-no-profile-')) })
  after(async () => { await rm(root, { recursive: true, force: true }) })

  for (const args of COMMANDS) {
    it(`hyphae ${args.join(' ')} with a mistyped --data-dir says there is no profile and makes none`, async () => {
      const dir = join(root, `typo-${args.join('-')}`)
      const r = await runCli([...args, '--data-dir', dir], { HYPHAE_PASSPHRASE: '' })
      assert.equal(r.code, 1, `exit code; stderr:\n${r.stderr}`)
      assert.equal(r.stdout, '')
      assert.equal(r.stderr.trim(), `hyphae: no profile at ${dir} (run \`hyphae init\` first, or check --data-dir and HYPHAE_HOME); nothing was created`)
      await assert.rejects(readdir(dir), { code: 'ENOENT' }, 'the directory was not made')
    })
  }
})
