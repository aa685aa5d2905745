/**
 * A file sent to a group, served by the swarm: N full messengers in one process (test fixtures,
 * loopback TCP) in one group, each linked to the author (its invite dials it) and to two more
 * members along a ring. The author offers one file to the group; every member accepts at once;
 * timed until all hold it, checked by SHA-256. The author's upload (bytes its file service
 * served) is reported as a multiple of the file size. Baseline in the same run, on the same
 * nodes: the author sends the same file to each member directly (a DM offer each, only the author
 * as source), all accepted at once.
 *
 * Members: HYPHAE_BENCH_MEMBERS (default 16; 6 with --quick), file: HYPHAE_BENCH_MIB (default 20;
 * 4 with --quick). 100 messengers do not fit in minutes on 2 shared cores.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now } from './stats.ts'
import { createNetwork, waitFor } from '../test/fixtures/index.ts'
import { formGroup, link } from '../test/groups/helpers.ts'
import { randomFile, sha256Of } from '../test/files/helpers.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'

const MIB = 1024 * 1024
const TIMEOUT = 5 * 60_000

/** Waits until every node holds file `ids[i]` complete; checks each against `sha256`. Returns ms. */
async function allComplete (nodes: HyphaeMessenger[], ids: string[], sha256: string, log: (m: string) => void): Promise<number> {
  const t0 = now()
  const done = new Set<number>()
  let lastLog = 0
  const waiting: string[] = []
  await waitFor(async () => {
    waiting.length = 0
    for (const [i, node] of nodes.entries()) {
      if (done.has(i)) continue
      const f = (await node.listFiles()).find(x => x.id === ids[i])
      waiting.push(`${i}: ${f?.state ?? 'no record'} ${f?.received ?? 0} B`)
      if (f?.state === 'failed') throw new Error(`member ${i}: ${f.error}`)
      if (f?.state === 'complete') {
        if (await sha256Of(f.savedTo!) !== sha256) throw new Error(`member ${i} saved a different file`)
        done.add(i)
      }
    }
    if (Date.now() - lastLog > 10_000) { lastLog = Date.now(); log(`  ${done.size}/${nodes.length} hold it${done.size >= nodes.length - 3 ? ` (waiting: ${waiting.join(', ')})` : ''}`) }
    return done.size === nodes.length
  }, { timeout: TIMEOUT, interval: 250, message: () => `${nodes.length - done.size} members still downloading` })
  return now() - t0
}

async function offered (node: HyphaeMessenger, id: string): Promise<void> {
  await waitFor(async () => (await node.listFiles()).some(f => f.id === id), { timeout: 120_000, interval: 100, message: 'the offer to arrive' })
}

export const bench: Bench = {
  name: 'group-file-swarm',
  description: 'one file to a group of N, members serving each other, next to the author sending it to each directly',
  tags: ['files', 'group'],
  async run (ctx: BenchContext): Promise<BenchResult> {
    const n = Number(process.env.HYPHAE_BENCH_MEMBERS ?? (ctx.quick ? 6 : 16))
    const mib = Number(process.env.HYPHAE_BENCH_MIB ?? (ctx.quick ? 4 : 20))
    if (!Number.isInteger(n) || n < 3 || n > 200) throw new RangeError('HYPHAE_BENCH_MEMBERS: 3 to 200')
    const bytes = mib * MIB
    const dir = await mkdtemp(join(tmpdir(), 'hyphae-bench-group-files-'))
    ctx.log(`starting ${n} messengers`)
    const network = await createNetwork(n, { init: { relayClient: false } })
    try {
      const [author, ...others] = network.nodes
      ctx.log('forming the group')
      const group = (await formGroup(network.nodes, 'bench', 120_000)).id
      for (let i = 1; i < n; i++) {
        for (const d of [1, 2]) {
          const j = 1 + ((i - 1 + d) % (n - 1))
          if (j !== i) await link(network.nodes[i], network.nodes[j]).catch(() => {})
        }
      }
      const { path, sha256 } = await randomFile(dir, 'bench.bin', bytes)

      ctx.log(`swarm: ${mib} MiB to ${n - 1} members`)
      const sent = await author.sendFile(group, path, { group: true })
      await Promise.all(others.map(async m => offered(m, sent.file.id)))
      await Promise.all(others.map(async m => m.acceptFile(sent.file.id, { dir: await mkdtemp(join(dir, 'swarm-')) })))
      const swarmMs = await allComplete(others, others.map(() => sent.file.id), sha256, ctx.log)
      const swarmUpload = author.files.uploaded(sent.file.id) / bytes
      const memberUploads = others.map(m => m.files.uploaded(sent.file.id) / bytes)

      ctx.log('baseline: the author sends it to each member directly')
      for (const m of others) {
        await author.addContact((await m.id()).invite)
        await m.addContact((await author.id()).invite)
      }
      const direct: string[] = []
      for (const m of others) direct.push((await author.sendFile(m.peerId, path)).file.id)
      await Promise.all(others.map(async (m, i) => offered(m, direct[i])))
      await Promise.all(others.map(async (m, i) => m.acceptFile(direct[i], { dir: await mkdtemp(join(dir, 'direct-')) })))
      const directMs = await allComplete(others, direct, sha256, ctx.log)
      const directUpload = direct.reduce((sum, id) => sum + author.files.uploaded(id), 0) / bytes

      return {
        figures: [
          figure({ name: `${mib} MiB to ${n - 1} members: time until all hold it`, unit: 's', value: swarmMs / 1000, baseline: 'author sends to each directly', baselineValue: directMs / 1000, better: 'lower' }),
          figure({ name: `${mib} MiB to ${n - 1} members: author's upload`, unit: 'x file', value: swarmUpload, baseline: 'author sends to each directly', baselineValue: directUpload, better: 'lower', goal: { text: '< 5x the file', check: v => v < 5 } })
        ],
        details: {
          members: n - 1,
          mib,
          swarmMs: Math.round(swarmMs),
          directMs: Math.round(directMs),
          swarmUpload,
          directUpload,
          memberUploadMax: Math.max(...memberUploads),
          memberUploadMean: memberUploads.reduce((a, b) => a + b, 0) / memberUploads.length
        }
      }
    } finally {
      await network.stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
}
