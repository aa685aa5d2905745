import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createNetwork, type Network } from '../fixtures/index.ts'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('a profile is private to its user', () => {
  let network: Network
  before(async () => { network = await createNetwork(1) })
  after(async () => { await network?.stop() })

  it('the profile and db/ are 0700, the key 0600', async () => {
    const dir = network.dirs[0]
    for (const sub of ['', 'db']) assert.equal((await modeOf(join(dir, sub))).toString(8), '700', `${sub === '' ? 'the profile' : sub}/`)
    assert.equal((await modeOf(join(dir, 'identity.key'))).toString(8), '600')
  })

  it('libp2p keeps no datastore of its own beside db/ (it is inside, encrypted)', async () => {
    await assert.rejects(stat(join(network.dirs[0], 'libp2p')), { code: 'ENOENT' })
  })
})
