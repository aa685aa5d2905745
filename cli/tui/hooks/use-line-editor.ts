import { useCallback, useMemo, useReducer, useRef } from 'react'
import type { Key } from 'ink'

export interface LineEditor {
  value: string
  cursor: number
  /** the value now, even between renders */
  get: () => string
  insert: (text: string) => void
  set: (value: string) => void
  clear: () => void
  /** applies an editing key (arrows, backspace, Ctrl+A/E/U/K/W); true when it was one */
  edit: (input: string, key: Key) => boolean
}

const graphemes = new Intl.Segmenter()

/** where the character (grapheme: an emoji, a letter with its accents) before `at` starts */
export function previousBoundary (value: string, at: number): number {
  let last = 0
  for (const { index } of graphemes.segment(value.slice(0, at))) last = index
  return at === 0 ? 0 : last
}

/** where the character at `at` ends */
export function nextBoundary (value: string, at: number): number {
  const first = graphemes.segment(value.slice(at))[Symbol.iterator]().next()
  return first.done === true ? at : at + first.value.segment.length
}

/** What typing `input` inserts: nothing for control keys; line breaks are kept for the caller. */
export function typedText (input: string, key: Key): string {
  if (key.ctrl || key.meta || key.escape || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return ''
  // eslint-disable-next-line no-control-regex
  return input.replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/g, '')
}

const wordStart = (value: string, from: number): number => {
  let i = from
  while (i > 0 && value[i - 1] === ' ') i--
  while (i > 0 && value[i - 1] !== ' ') i--
  return i
}

/**
 * A one-line editor. Its state lives in a ref (plus a counter to re-render) so several keys
 * arriving in one chunk (text, then Enter) are applied in order without waiting for a render.
 */
export function useLineEditor (): LineEditor {
  const state = useRef({ value: '', cursor: 0 })
  const [, rerender] = useReducer((n: number) => n + 1, 0)

  const update = useCallback((value: string, cursor: number) => {
    state.current = { value, cursor: Math.max(0, Math.min(cursor, value.length)) }
    rerender()
  }, [])

  const get = useCallback(() => state.current.value, [])
  const set = useCallback((value: string) => { update(value, value.length) }, [update])
  const clear = useCallback(() => { update('', 0) }, [update])
  const insert = useCallback((text: string) => {
    const { value, cursor } = state.current
    update(value.slice(0, cursor) + text + value.slice(cursor), cursor + text.length)
  }, [update])

  const edit = useCallback((input: string, key: Key): boolean => {
    const { value, cursor } = state.current
    if (key.backspace) {
      if (key.meta || (key.ctrl && input === 'w')) { const s = wordStart(value, cursor); update(value.slice(0, s) + value.slice(cursor), s); return true }
      const p = previousBoundary(value, cursor)
      update(value.slice(0, p) + value.slice(cursor), p)
      return true
    }
    if (key.delete) { update(value.slice(0, cursor) + value.slice(nextBoundary(value, cursor)), cursor); return true }
    if (key.leftArrow) { update(value, key.ctrl || key.meta ? wordStart(value, cursor) : previousBoundary(value, cursor)); return true }
    if (key.rightArrow) {
      if (key.ctrl || key.meta) { let i = cursor; while (i < value.length && value[i] === ' ') i++; while (i < value.length && value[i] !== ' ') i++; update(value, i) } else update(value, nextBoundary(value, cursor))
      return true
    }
    if (key.home || (key.ctrl && input === 'a')) { update(value, 0); return true }
    if (key.end || (key.ctrl && input === 'e')) { update(value, value.length); return true }
    if (key.ctrl && input === 'u') { update(value.slice(cursor), 0); return true }
    if (key.ctrl && input === 'k') { update(value.slice(0, cursor), cursor); return true }
    if (key.ctrl && input === 'w') { const s = wordStart(value, cursor); update(value.slice(0, s) + value.slice(cursor), s); return true }
    return false
  }, [update])

  const { value, cursor } = state.current
  return useMemo(() => ({ value, cursor, get, insert, set, clear, edit }), [value, cursor, get, insert, set, clear, edit])
}
