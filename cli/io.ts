/** What a command may do to the outside world; tests hand in their own. */
export interface Io {
  out: (line: string) => void
  err: (line: string) => void
  /** resolves with the signal's name once the user asks the process to stop */
  waitForStop: () => Promise<string>
}

/** Resolves once what was written to stdout and stderr is out (or their reader went away): process.exit drops the rest. */
export async function flushed (): Promise<void> {
  await Promise.all([process.stdout, process.stderr].map(async stream => {
    if (stream.writableLength === 0) return
    await new Promise(resolve => { stream.once('drain', resolve); stream.once('error', resolve); stream.once('close', resolve) })
  }))
}

export const processIo: Io = {
  out: line => { process.stdout.write(line + '\n') },
  err: line => { process.stderr.write(line + '\n') },
  waitForStop: async () => new Promise(resolve => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      // a second signal while stopping ends the process at once
      const force = (): void => { process.exit(130) }
      process.once('SIGINT', force)
      process.once('SIGTERM', force)
      resolve(signal)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

/** One log line of a daemon or relay: JSON, with the time first so an operator can tell when. */
export function logLine (event: string, detail: Record<string, unknown> = {}): string {
  return JSON.stringify({ time: new Date().toISOString(), event, ...detail })
}
