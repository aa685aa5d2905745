import { useMemo, useState, type JSX } from 'react'
import { Box, Text, useInput, type Key } from 'ink'
import { width as cells, wrap } from '../format.ts'

export type OverlayLine = string | {
  text: string
  color?: string
  bold?: boolean
  dim?: boolean
  /** shown as is, never wrapped (a QR code: it carries its own colours) */
  raw?: boolean
  /** where wrapped lines continue (default: under the text after the leading spaces) */
  indent?: number
}

export interface OverlayProps {
  title: string
  lines: OverlayLine[]
  width: number
  height: number
  onClose: () => void
  /** keys beyond closing and scrolling; true when handled */
  onKey?: (input: string, key: Key) => boolean
  footer?: string
  active?: boolean
}

type Row = Exclude<OverlayLine, string>

/** A framed, scrollable panel over the main screen (help, invite, safety number, doctor). Esc closes it. */
export function Overlay ({ title, lines, width, height, onClose, onKey, footer, active = true }: OverlayProps): JSX.Element {
  const [top, setTop] = useState(0)
  const textWidth = Math.max(8, width - 4)
  // long lines wrap to the panel's width, so nothing is cut at 60 columns
  const rows = useMemo(() => lines.flatMap((line): Row[] => {
    const l: Row = typeof line === 'string' ? { text: line } : line
    if (l.raw === true || cells(l.text) <= textWidth) return [l]
    const lead = /^ */.exec(l.text)?.[0].length ?? 0
    const indent = Math.min(l.indent ?? lead + 2, Math.floor(textWidth / 2))
    return wrap(l.text.slice(lead), textWidth - lead, textWidth - indent).map((text, i) => ({ ...l, text: ' '.repeat(i === 0 ? lead : indent) + text }))
  }), [lines, textWidth])
  const inner = Math.max(1, height - 4)
  const maxTop = Math.max(0, rows.length - inner)
  const scrollBy = (n: number): void => { setTop(t => Math.max(0, Math.min(maxTop, t + n))) }

  useInput((input, key) => {
    if (onKey?.(input, key) === true) return
    if (key.escape || key.return || input === 'q' || input === '?') { onClose(); return }
    if (key.upArrow || input === 'k') scrollBy(-1)
    else if (key.downArrow || input === 'j') scrollBy(1)
    else if (key.pageUp) scrollBy(-inner)
    else if (key.pageDown || input === ' ') scrollBy(inner)
  }, { isActive: active })

  // the terminal may have grown since the last scroll
  const first = Math.min(top, maxTop)
  const shown = rows.slice(first, first + inner)
  const more = rows.length > inner ? ` · ${first + 1}-${Math.min(rows.length, first + inner)} of ${rows.length}, ↑↓ PgUp PgDn` : ''
  return (
    <Box flexDirection='column' width={width} height={height} borderStyle='round' borderColor='cyan' paddingX={1}>
      <Text bold color='cyan' wrap='truncate'>{title}</Text>
      <Box flexDirection='column' height={inner} overflow='hidden'>
        {shown.map((row, i) => <Text key={first + i} wrap='truncate' color={row.color} bold={row.bold} dimColor={row.dim}>{row.text === '' ? ' ' : row.text}</Text>)}
      </Box>
      <Text dimColor wrap='truncate'>{`${footer ?? 'Esc closes'}${more}`}</Text>
    </Box>
  )
}
