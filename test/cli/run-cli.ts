import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/hyphae.js', import.meta.url))

export interface CliResult { code: number | null, stdout: string, stderr: string }

/** Runs the real `hyphae` binary to completion (bounded by `timeout`). */
export async function runCli (args: string[], env: Record<string, string> = {}, timeout = 60_000): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => { stdout += d })
  child.stderr.on('data', d => { stderr += d })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

export interface CliProcess {
  child: ChildProcess
  output: () => string
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/**
 * Starts a long-running `hyphae` process (daemon, start, relay); the caller stops it. `prefix`
 * runs it under another command, e.g. `ip netns exec NS`.
 */
export function startCli (args: string[], env: Record<string, string> = {}, prefix: string[] = []): CliProcess {
  return startProcess([...prefix, process.execPath, BIN, ...args], env)
}

/** Starts any long-running program (a proxy, a web server) the same way; the caller stops it. */
export function startProcess (command: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(command[0], command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', d => { output += d })
  child.stderr?.on('data', d => { output += d })
  const exited = new Promise<number | null>(resolve => child.on('close', resolve))
  return {
    child,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode == null && child.signalCode == null) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** Resolves with the first output line matching `pattern`, or rejects after `timeout` with what was printed. */
export async function waitForLine (proc: { child: ChildProcess, output: () => string }, pattern: RegExp, timeout = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const line = proc.output().split('\n').find(l => pattern.test(l))
      if (line == null) return false
      cleanup()
      resolve(line)
      return true
    }
    const onExit = (): void => { if (!check()) { cleanup(); reject(new Error(`process exited before printing ${pattern}:\n${proc.output()}`)) } }
    const timer = setTimeout(() => { cleanup(); reject(new Error(`no line matching ${pattern} within ${timeout} ms:\n${proc.output()}`)) }, timeout)
    const cleanup = (): void => {
      clearTimeout(timer)
      proc.child.stdout?.off('data', check)
      proc.child.stderr?.off('data', check)
      proc.child.off('close', onExit)
    }
    proc.child.stdout?.on('data', check)
    proc.child.stderr?.on('data', check)
    proc.child.on('close', onExit)
    check()
  })
}
