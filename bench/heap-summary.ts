/**
 * Where a heap snapshot's bytes are, by constructor: the self size of every object summed per
 * (type, name), largest first, e.g. for a scale-worker.ts run (--heap-snapshot FILE).
 *
 * usage: node --import tsx bench/heap-summary.ts FILE.heapsnapshot [--minus BASE.heapsnapshot] [--top 30] [--per 1000]
 * --minus subtracts another snapshot's rows (e.g. of the same process with one node), and --per N
 * divides what is left by N (e.g. the number of nodes added between the two).
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

export interface HeapRow { type: string, name: string, count: number, bytes: number }

/** Sums self sizes per (node type, constructor or string name) over a V8 heap snapshot's JSON. */
export function summarizeHeap (snapshot: any): { total: number, rows: HeapRow[] } {
  const fields: string[] = snapshot.snapshot.meta.node_fields
  const types: string[] = snapshot.snapshot.meta.node_types[0]
  const width = fields.length
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map(f => fields.indexOf(f))
  const nodes: number[] = snapshot.nodes
  const strings: string[] = snapshot.strings
  const rows = new Map<string, HeapRow>()
  let total = 0
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]]
    // strings and code are summed per type: their names are their contents
    const name = type === 'object' || type === 'closure' || type === 'native' ? strings[nodes[i + nameAt]] : ''
    const bytes = nodes[i + sizeAt]
    total += bytes
    const key = `${type}\u0000${name}`
    const row = rows.get(key) ?? { type, name, count: 0, bytes: 0 }
    row.count++
    row.bytes += bytes
    rows.set(key, row)
  }
  return { total, rows: [...rows.values()].sort((a, b) => b.bytes - a.bytes) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, per: { type: 'string', default: '1' }, minus: { type: 'string' } } })
  if (positionals[0] == null) throw new Error('usage: heap-summary.ts FILE.heapsnapshot [--top 30] [--per N]')
  const per = Number(values.per)
  let { total, rows } = summarizeHeap(JSON.parse(await readFile(positionals[0], 'utf8')))
  if (values.minus != null) {
    const base = summarizeHeap(JSON.parse(await readFile(values.minus, 'utf8')))
    const before = new Map(base.rows.map(r => [`${r.type}\u0000${r.name}`, r]))
    total -= base.total
    rows = rows.map(r => {
      const b = before.get(`${r.type}\u0000${r.name}`)
      return { ...r, count: r.count - (b?.count ?? 0), bytes: r.bytes - (b?.bytes ?? 0) }
    }).sort((x, y) => y.bytes - x.bytes)
  }
  const kib = (b: number): string => (b / per / 1024).toFixed(1)
  process.stdout.write(`total ${(total / 2 ** 20).toFixed(1)} MiB${per !== 1 ? `, ${kib(total)} KiB per ${per}th` : ''}\n| type | constructor | count${per !== 1 ? ' (per)' : ''} | KiB${per !== 1 ? ' (per)' : ''} | share |\n| --- | --- | --- | --- | --- |\n`)
  for (const r of rows.slice(0, Number(values.top))) {
    process.stdout.write(`| ${r.type} | ${r.name.slice(0, 60).replace(/\|/g, '\\|')} | ${per !== 1 ? (r.count / per).toFixed(1) : r.count} | ${kib(r.bytes)} | ${(100 * r.bytes / total).toFixed(1)} % |\n`)
  }
}
