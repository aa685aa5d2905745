import assert from 'node:assert/strict'
import { chmod, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createNetwork, type Network } from '../fixtures/index.ts'

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('a profile is private to its user', () => {
  let network: Network
  before(async () => { network = await createNetwork(1) })
  after(async () => { await network?.stop() })

  it('the profile, db/ and libp2p/ are 0700, the key 0600, also on a profile made before', async () => {
    const dir = network.dirs[0]
    for (const sub of ['', 'db', 'libp2p']) assert.equal((await modeOf(join(dir, sub))).toString(8), '700', `${sub === '' ? 'the profile' : sub}/`)
    assert.equal((await modeOf(join(dir, 'identity.key'))).toString(8), '600')
    await network.nodes[0].stop()
    await chmod(join(dir, 'libp2p'), 0o755)
    await network.restart(0)
    assert.equal((await modeOf(join(dir, 'libp2p'))).toString(8), '700')
  })
})
