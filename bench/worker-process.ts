/**
 * A bench worker process spoken to in JSON lines (group-procs.ts, channel-procs.ts): commands
 * {"id":n,"cmd":...} on its stdin, answers {"id":n,"ok":true|false,...} and unasked events
 * {"event":...} on its stdout; the first {"event":"ready"} resolves `ready`. `answerCommands`
 * is the worker's side.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { createInterface } from 'node:readline'

export class WorkerProcess {
  private readonly child: ChildProcess
  private readonly pending = new Map<number, { resolve: (v: any) => void, reject: (e: Error) => void }>()
  private nextId = 1
  readonly ready: Promise<any>
  private stderr = ''

  /** `args` follow node's own (`--import tsx FILE ...`); `cwd` is the checkout the file belongs to. */
  constructor (cwd: string, args: string[], onEvent: (e: any) => void) {
    this.child = spawn(process.execPath, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    // HYPHAE_BENCH_WORKER_LOG=FILE keeps every worker's stderr (e.g. with DEBUG=libp2p:*), not only its tail
    const keep = process.env.HYPHAE_BENCH_WORKER_LOG
    this.child.stderr!.on('data', (b: Buffer) => {
      this.stderr = (this.stderr + b.toString()).slice(-2000)
      if (keep != null) appendFileSync(keep, b)
    })
    let ready: (v: any) => void = () => {}
    this.ready = new Promise((resolve, reject) => {
      ready = resolve
      this.child.once('exit', code => { reject(new Error(`worker exited (${code}): ${this.stderr}`)) })
    })
    // a worker that dies after ready fails what it was asked, not the whole run silently
    this.child.once('exit', code => {
      for (const p of this.pending.values()) p.reject(new Error(`worker exited (${code}): ${this.stderr.slice(-400)}`))
      this.pending.clear()
    })
    this.ready.catch(() => {})
    createInterface({ input: this.child.stdout! }).on('line', line => {
      let v: any
      try { v = JSON.parse(line) } catch { return }
      if (v.event === 'ready') ready(v)
      else if (v.event != null) onEvent(v)
      else if (v.id != null) {
        const p = this.pending.get(v.id)
        this.pending.delete(v.id)
        if (v.ok === true) p?.resolve(v)
        else p?.reject(new Error(v.error))
      }
    })
  }

  async call (cmd: Record<string, unknown>, timeoutMs = 30_000): Promise<any> {
    const id = this.nextId++
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        new Promise((resolve, reject) => {
          this.pending.set(id, { resolve, reject })
          this.child.stdin!.write(JSON.stringify({ id, ...cmd }) + '\n')
        }),
        new Promise((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${String(cmd.cmd)} took over ${timeoutMs} ms`)) }, timeoutMs) })
      ])
    } finally {
      clearTimeout(timer)
      this.pending.delete(id)
    }
  }

  /** Asks the worker to stop its nodes and exit; SIGKILL after `graceMs`. */
  async stop (graceMs = 20_000): Promise<void> {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    const exited = new Promise<void>(resolve => { this.child.once('exit', () => { resolve() }) })
    this.child.stdin!.write(JSON.stringify({ id: 0, cmd: 'stop', member: 0 }) + '\n')
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, graceMs)
    await exited
    clearTimeout(timer)
  }
}

/** One JSON line on this process's stdout (a worker's answer or event). */
export function printLine (line: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(line) + '\n')
}

/** The worker's side: runs each JSON command read from stdin, answers it by its id on stdout. */
export function answerCommands (run: (c: any) => Promise<Record<string, unknown>>): void {
  createInterface({ input: process.stdin }).on('line', line => {
    let c: any
    try { c = JSON.parse(line) } catch { return }
    run(c).then(
      answer => { printLine({ id: c.id, ok: true, ...answer }) },
      (err: any) => { printLine({ id: c.id, ok: false, error: err?.message ?? String(err) }) }
    )
  })
}
