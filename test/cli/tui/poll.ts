import { waitFor } from '../../fixtures/wait-for.ts'

/** What the TUI specs give waitFor: a fake node answers at once, so look often and not for long. */
export const SOON = { timeout: 5_000, interval: 5 }

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
  return waitFor(() => { const s = screen(r); return test(s) ? s : undefined }, {
    message: () => `the screen to show ${String(expected)}; it shows:\n${screen(r)}`,
    ...SOON,
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
