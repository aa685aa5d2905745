import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, freemem, loadavg, totalmem } from 'node:os'
import { round } from './stats.ts'

/** What every bench module exports as `bench`; bench/index.ts runs it. */
export interface Bench {
  name: string
  /** one line for --help */
  description: string
  /** names that select it along with others: `npm run bench -- dm` runs every bench tagged dm */
  tags: string[]
  run (ctx: BenchContext): Promise<BenchResult>
}

export interface BenchContext {
  /** small sizes and short spans: the whole suite in under 2 minutes */
  quick: boolean
  /** progress for a person, on stderr */
  log (message: string): void
}

export interface BenchResult {
  figures: Figure[]
  /** anything else worth keeping in the JSON: raw summaries, sizes, settings */
  details?: Record<string, unknown>
  notes?: string[]
}

export type Better = 'lower' | 'higher'

export interface Goal {
  /** e.g. 'p50 <= 3x echo' */
  text: string
  met: boolean | null
}

/** One measured number, always next to a baseline measured in the same run. */
export interface Figure {
  name: string
  unit: string
  value: number | null
  baseline: { name: string, value: number | null }
  /** value / baseline */
  ratio: number | null
  better: Better
  goal?: Goal
  /** samples behind the value */
  n?: number
}

export interface FigureInit {
  name: string
  unit: string
  value: number | null | undefined
  baseline: string
  baselineValue: number | null | undefined
  better: Better
  n?: number
  /** a goal checked against the value or the ratio */
  goal?: { text: string, check: (value: number, ratio: number | null) => boolean }
}

export function figure (init: FigureInit): Figure {
  const value = init.value ?? null
  const base = init.baselineValue ?? null
  const ratio = value != null && base != null && base !== 0 ? value / base : null
  return {
    name: init.name,
    unit: init.unit,
    value: value == null ? null : round(value),
    baseline: { name: init.baseline, value: base == null ? null : round(base) },
    ratio: ratio == null ? null : round(ratio),
    better: init.better,
    goal: init.goal == null ? undefined : { text: init.goal.text, met: value == null ? null : init.goal.check(value, ratio) },
    n: init.n
  }
}

export interface BenchRecord {
  name: string
  durationMs: number
  figures: Figure[]
  details?: Record<string, unknown>
  notes?: string[]
  error?: string
}

export interface Machine {
  nproc: number
  cpuModel: string
  memTotal: string
  memFree: string
  /** `free -h` as printed, when the command exists */
  free?: string
  loadAverage: number[]
  node: string
  platform: string
  libp2p: string
}

export interface BenchDocument {
  tool: 'hyphae-bench'
  version: 1
  startedAt: string
  finishedAt?: string
  quick: boolean
  benches: string[]
  machine: Machine
  /** the machine's load average when the run ended (machine.loadAverage is at the start) */
  loadAverageAtEnd?: number[]
  results: BenchRecord[]
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)}Gi`

function packageVersion (name: string): string {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url)
    return JSON.parse(readFileSync(url, 'utf8')).version
  } catch {
    return 'unknown'
  }
}

function command (file: string, args: string[]): string | undefined {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}

export function describeMachine (): Machine {
  const nproc = Number(command('nproc', [])) || cpus().length
  return {
    nproc,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotal: gib(totalmem()),
    memFree: gib(freemem()),
    free: command('free', ['-h']),
    loadAverage: loadavg().map(l => Number(l.toFixed(2))),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    libp2p: packageVersion('libp2p')
  }
}

function cell (value: number | null, unit = ''): string {
  if (value == null) return 'n/a'
  return `${value}${unit === '' ? '' : ` ${unit}`}`
}

/** The Markdown table of every figure: figure, baseline, ratio, goal. */
export function markdownTable (doc: BenchDocument): string {
  const lines = [
    '| bench | figure | value | baseline | baseline value | ratio | goal |',
    '| --- | --- | --- | --- | --- | --- | --- |'
  ]
  for (const r of doc.results) {
    if (r.error != null) {
      lines.push(`| ${r.name} | **failed**: ${r.error.replaceAll('|', '\\|').replaceAll('\n', ' ')} | | | | | |`)
      continue
    }
    for (const f of r.figures) {
      const goal = f.goal == null ? '' : `${f.goal.text}: ${f.goal.met == null ? 'n/a' : f.goal.met ? 'met' : '**not met**'}`
      const ratio = f.ratio == null ? 'n/a' : `${f.ratio}x`
      lines.push(`| ${r.name} | ${f.name} | ${cell(f.value, f.unit)} | ${f.baseline.name} | ${cell(f.baseline.value, f.unit)} | ${ratio} | ${goal} |`)
    }
  }
  const m = doc.machine
  lines.push('', `${doc.quick ? 'quick run' : 'full run'} ${doc.startedAt}; ${m.nproc} CPU (${m.cpuModel}), ${m.memTotal} RAM, load ${m.loadAverage.join(' ')} at start${doc.loadAverageAtEnd != null ? `, ${doc.loadAverageAtEnd.join(' ')} at end` : ''}, node ${m.node}, libp2p ${m.libp2p}`)
  return lines.join('\n')
}
