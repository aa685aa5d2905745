import { render } from 'ink-testing-library'
import { App } from '../../../cli/tui/app.tsx'
import { KEYS, screen, waitForScreen } from './poll.ts'
import type { Messenger } from '../../../node/messenger.ts'

export type Harness = ReturnType<typeof render> & {
  /** the screen now, without colours */
  screen: () => string
  waitFor: (expected: string | RegExp | ((s: string) => boolean), timeout?: number) => Promise<string>
  /** writes one chunk to stdin, as a terminal does per keypress (or per paste) */
  press: (...keys: string[]) => void
  resize: (columns: number, rows: number) => void
}

/** Gives a rendered ink tree a terminal size and emits 'resize', as a real terminal does. */
export function setSize (stdout: NodeJS.EventEmitter, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true })
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true })
  stdout.emit('resize')
}

export function harness (tree: React.ReactElement, size: { columns?: number, rows?: number } = {}): Harness {
  const r = render(tree)
  setSize(r.stdout, size.columns ?? 100, size.rows ?? 24)
  const h: Harness = Object.assign(r, {
    screen: () => screen(r),
    waitFor: async (expected: string | RegExp | ((s: string) => boolean), timeout?: number) => waitForScreen(r, expected, timeout),
    press: (...keys: string[]) => { for (const k of keys) r.stdin.write(k) },
    resize: (columns: number, rows: number) => { setSize(r.stdout, columns, rows) }
  })
  return h
}

/** `<App messenger={fake}/>` in a 100x24 terminal unless told otherwise. */
export function renderApp (messenger: Messenger, options: { columns?: number, rows?: number, welcome?: boolean, bell?: boolean, attached?: boolean } = {}): Harness {
  return harness(<App messenger={messenger} welcome={options.welcome} bell={options.bell} attached={options.attached} />, options)
}

/** The first line of a screen that contains `text` ('' when none does). */
export function line (screen: string, text: string): string {
  return screen.split('\n').find(l => l.includes(text)) ?? ''
}

/** Clears the composer, types a line and presses Enter. */
export function enter (h: Harness, text: string): void {
  h.press('\u0015', text, KEYS.enter)
}
