import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { RpcSession } from '../../cli/rpc/session.ts'

describe('RpcSession against a daemon that writes garbage', () => {
  it('skips a line that is not JSON and still gets the answer after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hyphae-session-'))
    const path = join(dir, 's.sock')
    const server = createServer(socket => {
      socket.setEncoding('utf8')
      socket.on('data', (chunk: string) => {
        const request = JSON.parse(chunk.trim())
        socket.write('not json at all\n42\n' + JSON.stringify({ jsonrpc: '2.0', id: request.id, result: 'pong' }) + '\n')
      })
    })
    await new Promise<void>(resolve => server.listen(path, resolve))
    try {
      const session = await RpcSession.open(path)
      assert.equal(await session.call('ping', {}, 5_000), 'pong')
      session.close()
    } finally {
      await new Promise(resolve => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    }
  })
})
