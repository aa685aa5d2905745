/**
 * File transfer throughput, direct on loopback: one file of N MiB sent by one messenger and
 * accepted by the other, timed from accept() until every chunk is held and checked (fetch,
 * Merkle check, write) and until the plaintext is saved (plus decryption to disk). Next to it,
 * in the same run: a bare libp2p stream (TCP, Noise, yamux) copying the same bytes in 256 KiB
 * writes with backpressure and nothing done to them, and what sealing the file into the profile
 * costs the sender (encrypt, hash, write) before the offer goes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBareNode, stopAll } from './bare.ts'
import { messengerPair } from './pairs.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now } from './stats.ts'
import { randomFile, sha256Of } from '../test/files/helpers.ts'
import type { FileProgress } from '../node/messenger.ts'
import type { Stream } from '@libp2p/interface'

const COPY_PROTOCOL = '/hyphae-bench/copy/1.0.0'
const BLOCK = 256 * 1024
const MIB = 1024 * 1024

/** MiB/s of one bare stream copying `bytes` one way, the reader counting them. */
async function bareCopy (bytes: number): Promise<number> {
  const [a, b] = await Promise.all([createBareNode(), createBareNode()])
  try {
    let received = 0
    let done: () => void = () => {}
    const finished = new Promise<void>(resolve => { done = resolve })
    await b.handle(COPY_PROTOCOL, async (stream: Stream) => {
      for await (const buf of stream) {
        received += buf.byteLength
        if (received >= bytes) done()
      }
    })
    await a.dial(b.getMultiaddrs()[0])
    const block = new Uint8Array(BLOCK).fill(7)
    const stream = await a.dialProtocol(b.peerId, COPY_PROTOCOL)
    const t0 = now()
    for (let sent = 0; sent < bytes; sent += BLOCK) {
      if (!stream.send(block.subarray(0, Math.min(BLOCK, bytes - sent)))) await stream.onDrain()
    }
    await finished
    const ms = now() - t0
    await stream.close().catch(() => {})
    return bytes / MIB / (ms / 1000)
  } finally {
    await stopAll([a, b])
  }
}

export const bench: Bench = {
  name: 'file-transfer',
  description: 'one file direct on loopback (fetch, check, write, save) next to a bare libp2p stream copy',
  tags: ['files'],
  async run (ctx: BenchContext): Promise<BenchResult> {
    const mib = ctx.quick ? 32 : 200
    const bytes = mib * MIB
    const dir = await mkdtemp(join(tmpdir(), 'hyphae-bench-files-'))
    const pair = await messengerPair({ relayClient: false })
    try {
      ctx.log(`writing a ${mib} MiB file`)
      const { path, sha256 } = await randomFile(dir, 'bench.bin', bytes)
      ctx.log('bare stream copy')
      const bare = await bareCopy(bytes)
      ctx.log('sealing and offering')
      const t0 = now()
      const sent = await pair.sender.sendFile(pair.receiver.peerId, path)
      const sealMs = now() - t0
      const offered = Date.now() + 60_000
      while (!(await pair.receiver.listFiles()).some(f => f.id === sent.file.id)) {
        if (Date.now() > offered) throw new Error('the offer did not arrive')
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      let heldAt = 0
      let savedAt = 0
      let savedTo = ''
      const finished = new Promise<void>((resolve, reject) => {
        pair.receiver.addEventListener('file:progress', (evt: CustomEvent<FileProgress>) => {
          const p = evt.detail
          if (p.id !== sent.file.id) return
          if (p.received >= p.size && heldAt === 0) heldAt = now()
          if (p.state === 'complete') { savedAt = now(); savedTo = p.savedTo ?? ''; resolve() }
          if (p.state === 'failed') reject(new Error(p.error))
        })
      })
      ctx.log('fetching')
      const t1 = now()
      await pair.receiver.acceptFile(sent.file.id, { dir })
      await finished
      if (heldAt === 0) heldAt = savedAt
      if (await sha256Of(savedTo) !== sha256) throw new Error('the file arrived different')
      const fetchRate = mib / ((heldAt - t1) / 1000)
      const endToEnd = mib / ((savedAt - t1) / 1000)
      const sealRate = mib / (sealMs / 1000)
      return {
        figures: [
          figure({ name: `fetch ${mib} MiB (held, checked)`, unit: 'MiB/s', value: fetchRate, baseline: 'bare stream copy', baselineValue: bare, better: 'higher' }),
          figure({ name: `accept to saved ${mib} MiB`, unit: 'MiB/s', value: endToEnd, baseline: 'bare stream copy', baselineValue: bare, better: 'higher' }),
          figure({ name: `seal ${mib} MiB into the profile (sender)`, unit: 'MiB/s', value: sealRate, baseline: 'bare stream copy', baselineValue: bare, better: 'higher' })
        ],
        details: { mib, chunk: BLOCK, sealMs: Math.round(sealMs), fetchMs: Math.round(heldAt - t1), saveMs: Math.round(savedAt - heldAt) }
      }
    } finally {
      await pair.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
