import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** When set, node child processes run with --cpu-prof into this directory. */
export const CHILD_PROFILE_ENV = 'HYPHAE_BENCH_CHILD_CPU_PROF'

/** A child process that prints one JSON object per line on stdout. */
export class JsonLineChild {
  readonly process: ChildProcess
  /** performance.now() just before spawn() */
  readonly spawnedAt: number
  private readonly lines: Array<{ at: number, value: any }> = []
  private readonly waiters = new Set<() => void>()
  private stderr = ''
  private exited = false

  constructor (file: string, args: string[], options: SpawnOptions = {}) {
    // `npm run bench -- --cpu-prof DIR` profiles the node children too (written when they exit)
    const profileDir = process.env[CHILD_PROFILE_ENV]
    const argv = profileDir != null && file === process.execPath ? ['--cpu-prof', '--cpu-prof-dir', profileDir, ...args] : args
    this.spawnedAt = performance.now()
    this.process = spawn(file, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], ...options })
    createInterface({ input: this.process.stdout! }).on('line', line => {
      const at = performance.now()
      let value: any
      try { value = JSON.parse(line) } catch { return }
      this.lines.push({ at, value })
      for (const w of this.waiters) w()
    })
    this.process.stderr!.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4000) })
    this.process.on('exit', () => {
      this.exited = true
      for (const w of this.waiters) w()
    })
  }

  /** Resolves with the first line (and when it was read) for which `match` holds. */
  async next (match: (value: any) => boolean, timeoutMs = 60_000): Promise<{ at: number, value: any }> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.lines.find(l => match(l.value))
        if (found != null) { done(); resolve(found); return }
        if (this.exited) { done(); reject(new Error(`the child exited (code ${this.process.exitCode}) before the line awaited; stderr: ${this.stderr.trim().slice(-800)}`)) }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`no matching line within ${timeoutMs} ms; stderr: ${this.stderr.trim().slice(-800)}`)) }, timeoutMs)
      const done = (): void => { clearTimeout(timer); this.waiters.delete(check) }
      this.waiters.add(check)
      check()
    })
  }

  /** Every line read so far. */
  values (): any[] {
    return this.lines.map(l => l.value)
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop (graceMs = 10_000): Promise<void> {
    if (this.exited || this.process.exitCode != null || this.process.signalCode != null) return
    const exited = new Promise<void>(resolve => { this.process.once('exit', () => { resolve() }) })
    this.process.kill('SIGTERM')
    const timer = setTimeout(() => { this.process.kill('SIGKILL') }, graceMs)
    await exited
    clearTimeout(timer)
  }
}
