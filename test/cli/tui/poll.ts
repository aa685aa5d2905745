/** Bounded waiting for the TUI specs: poll a condition, never sleep a fixed time. */

export class PollTimeoutError extends Error {
  static name = 'PollTimeoutError'
  name = 'PollTimeoutError'
}

export interface PollOptions {
  /** what is awaited; a function is called at the timeout, to show the last state */
  what: string | (() => string)
  /** ms (default 5 s) */
  timeout?: number
  /** ms between checks (default 5) */
  interval?: number
}

/** Resolves with the first truthy value `check` returns; rejects after `timeout` naming `what`. */
export async function poll<T> (check: () => T | Promise<T>, options: PollOptions): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const timeout = options.timeout ?? 5_000
  const interval = options.interval ?? 5
  const started = Date.now()
  let lastError: unknown
  while (true) {
    try {
      const value = await check()
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>
      lastError = undefined
    } catch (err) {
      lastError = err
    }
    if (Date.now() - started >= timeout) {
      const what = typeof options.what === 'function' ? options.what() : options.what
      throw new PollTimeoutError(`timed out after ${Date.now() - started} ms waiting for ${what}${lastError != null ? ` (last check threw: ${(lastError as Error).message})` : ''}`)
    }
    await new Promise(resolve => setTimeout(resolve, interval))
  }
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g

export function stripAnsi (text: string): string {
  return text.replace(ANSI, '')
}

export interface Rendered {
  frames: string[]
  lastFrame: () => string | undefined
}

/**
 * What the screen shows now: the last frame ink wrote, without colours. Writes that are not
 * frames (the bell, bracketed-paste switches) are skipped.
 */
export function screen (r: Rendered): string {
  for (let i = r.frames.length - 1; i >= 0; i--) {
    // eslint-disable-next-line no-control-regex
    const text = stripAnsi(r.frames[i]).replace(/[\u0007]/g, '')
    if (text.trim() !== '') return text
  }
  return ''
}

/** Waits until the screen shows `expected` (text, pattern or predicate) and returns the screen. */
export async function waitForScreen (r: Rendered, expected: string | RegExp | ((s: string) => boolean), timeout = 5_000): Promise<string> {
  const test = typeof expected === 'function' ? expected : typeof expected === 'string' ? (s: string) => s.includes(expected) : (s: string) => expected.test(s)
  return poll(() => { const s = screen(r); return test(s) ? s : undefined }, {
    what: () => `the screen to show ${String(expected)}; it shows:\n${screen(r)}`,
    timeout
  })
}

export const KEYS = {
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  shiftTab: '\u001b[Z',
  up: '\u001b[A',
  down: '\u001b[B',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  backspace: '\u007f',
  ctrlC: '\u0003',
  ctrlN: '\u000e',
  ctrlP: '\u0010'
}
