import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { MAX_UNREAD, RpcSession } from '../../cli/rpc/session.ts'

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

describe('RpcSession on the daemon side', () => {
  it('drops a subscriber that stopped reading once MAX_UNREAD bytes wait for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hyphae-session-'))
    const path = join(dir, 's.sock')
    let session: RpcSession | undefined
    let accept: (s: RpcSession) => void = () => {}
    const accepted = new Promise<RpcSession>(resolve => { accept = resolve })
    const server = createServer(socket => { session = new RpcSession(socket); accept(session) })
    await new Promise<void>(resolve => server.listen(path, resolve))
    const client = connect(path)
    // the client never reads: what the daemon writes piles up on its side of the socket
    client.pause()
    try {
      const daemonSide = await accepted
      const page = 'x'.repeat(64 * 1024)
      let sent = 0
      while (!daemonSide.isClosed && sent < 2 * MAX_UNREAD / page.length) {
        daemonSide.notify('message', { body: page })
        sent++
        // let the socket flush what the kernel takes, as the event loop would between events
        await new Promise(resolve => setImmediate(resolve))
      }
      assert.equal(daemonSide.isClosed, true, `still open after ${sent} notifications of 64 KiB`)
      assert.ok(sent * page.length > MAX_UNREAD, 'not before MAX_UNREAD bytes were waiting')
    } finally {
      client.destroy()
      session?.close()
      await new Promise(resolve => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    }
  })
})
