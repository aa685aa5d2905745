import { memo, type JSX } from 'react'
import { Box, Text, useInput, usePaste } from 'ink'
import { nextBoundary, typedText, useLineEditor } from '../hooks/use-line-editor.ts'
import { truncate, width as cells } from '../format.ts'

export interface ComposerProps {
  width: number
  /** keys reach the composer (normal mode, no overlay) */
  active: boolean
  placeholder: string
  /** the message being replied to */
  reply?: { name: string, words: string }
  /** a message or a /command; returning false keeps the text for another try */
  onSubmit: (text: string) => boolean | void
  onHelp: () => void
  /** ↑ on an empty line: pick a message to reply to */
  onPick: () => void
}

/**
 * The line you type into. Its text is its own state: a keystroke re-renders this component
 * and nothing else, however long the conversation above.
 */
export const Composer = memo(function Composer ({ width, active, placeholder, reply, onSubmit, onHelp, onPick }: ComposerProps): JSX.Element {
  const editor = useLineEditor()

  const submit = (): void => {
    const text = editor.get()
    if (text.trim() === '') return
    if (onSubmit(text) !== false) editor.clear()
  }

  useInput((input, key) => {
    if (key.return) { submit(); return }
    const empty = editor.get() === ''
    if (key.upArrow && empty) { onPick(); return }
    if (input === '?' && empty && !key.ctrl && !key.meta) { onHelp(); return }
    if (editor.edit(input, key)) return
    const text = typedText(input, key)
    if (text === '') return
    // keys typed faster than a render may arrive in one chunk with Enter inside
    text.split(/\r\n|\r|\n/).forEach((part, i) => {
      if (i > 0) submit()
      if (part !== '') editor.insert(part)
    })
  }, { isActive: active })

  // a paste (an invite, a long text) arrives whole; line breaks become spaces on this one line
  usePaste(text => { editor.insert(text.replace(/\r\n|\r|\n/g, ' ').replace(/\t/g, ' ')) }, { isActive: active })

  const prompt = '› '
  const room = Math.max(4, width - cells(prompt))
  const { value, cursor } = editor
  const at = value.slice(cursor, nextBoundary(value, cursor))
  let before = value.slice(0, cursor)
  const after = value.slice(cursor + at.length)
  // keep the cursor in view on a line wider than the terminal
  const beforeRoom = room - 1 - Math.min(cells(after), Math.floor(room / 3))
  if (cells(before) > beforeRoom) {
    // the tail that fits, measured from the cursor back
    const chars = Array.from(before)
    let used = 0
    let from = chars.length
    while (from > 0 && used + cells(chars[from - 1]) <= beforeRoom - 1) used += cells(chars[--from])
    before = '…' + chars.slice(from).join('')
  }
  const afterShown = truncate(after, Math.max(0, room - cells(before) - 1))

  return (
    <Box flexDirection='column' width={width}>
      {reply != null && <Text color='magenta' wrap='truncate'>{truncate(`↳ replying to ${reply.name}: "${reply.words}" · Esc cancels`, width)}</Text>}
      <Text wrap='truncate'>
        <Text color={active ? 'cyan' : 'gray'} bold>{prompt}</Text>
        {value === ''
          ? <><Text inverse={active}> </Text><Text dimColor>{truncate(placeholder, room - 1)}</Text></>
          : <>{before}<Text inverse={active}>{at === '' ? ' ' : at}</Text>{afterShown}</>}
      </Text>
    </Box>
  )
})
