/**
 * What a terminal selection turns a `hyphae://...` string into: line breaks where the screen
 * wrapped it, a box's borders (│ ─ ╭ ╮ ╰ ╯) and padding on every line, words before and after.
 * These helpers find the string again; the caller's decoder says which candidate is whole.
 */

/** whitespace, and the box-drawing and block characters a framed panel puts around each line */
const SEPARATORS = /[\s\u2500-\u259f]+/u
const BASE64URL = /^[A-Za-z0-9_-]*/
/** a pasted invite is at most a few hundred screen lines: past that it is not a paste of one */
const MAX_PIECES = 512

export interface PastedBody {
  /** the body after the prefix, longest first: with every following piece, then one piece fewer... */
  candidates: string[]
  /** the words after each candidate (its index), for a nickname typed after a pasted invite */
  after: string[]
  /** everything after the prefix, separators dropped: empty when nothing follows it */
  following: string
}

function pieces (text: string): string[] {
  return text.split(SEPARATORS).filter(p => p !== '').slice(0, MAX_PIECES)
}

/** True when `text`, once a selection's breaks and borders are dropped, holds `prefix`. */
export function holdsPasted (text: string, prefix: string): boolean {
  return typeof text === 'string' && pieces(text).join('').includes(prefix)
}

/**
 * The body after `prefix` in a pasted text, as candidates: the pieces between separators are
 * joined; the body ends at the first character that is not base64url, or at any piece boundary
 * (a word typed or selected after it), so the caller tries each, longest first. Undefined when
 * the prefix is not there.
 */
export function pastedBodies (text: string, prefix: string): PastedBody | undefined {
  const parts = pieces(text)
  const joined = parts.join('')
  const at = joined.indexOf(prefix)
  if (at < 0) return undefined
  const start = at + prefix.length
  const end = start + (BASE64URL.exec(joined.slice(start))?.[0].length ?? 0)
  const candidates: string[] = []
  const after: string[] = []
  // where each piece ends in the joined text
  const ends: number[] = []
  let offset = 0
  for (const p of parts) { offset += p.length; ends.push(offset) }
  const cut = (e: number): void => {
    candidates.push(joined.slice(start, e))
    const rest = parts.slice(ends.findIndex(x => x >= e) + 1)
    const tail = joined.slice(e, ends.find(x => x >= e) ?? e)
    after.push([tail, ...rest].filter(w => w !== '').join(' '))
  }
  cut(end)
  for (let i = ends.length - 1; i >= 0; i--) {
    if (ends[i] > start && ends[i] < end) cut(ends[i])
  }
  return { candidates, after, following: joined.slice(start) }
}
