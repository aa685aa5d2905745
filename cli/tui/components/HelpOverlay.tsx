import { Overlay, type OverlayLine } from './Overlay.tsx'
import { COMMAND_HELP } from '../commands.ts'
import { STATUS_MARKS } from '../format.ts'
import type { JSX } from 'react'

export const KEYS: Array<[string, string]> = [
  ['Enter', 'send the message, or run the /command'],
  ['Tab, Ctrl+N', 'next conversation'],
  ['Shift+Tab, Ctrl+P', 'previous conversation'],
  ['PgUp, PgDn', 'scroll through the history'],
  ['↑ (empty composer)', 'pick a message to reply to: ↑↓ move, Enter replies (direct messages)'],
  ['Esc', 'leave a mode or overlay, cancel a reply, back to the latest'],
  ['? (empty composer)', 'this help'],
  ['y, c (in /invite)', 'copy the invite (OSC 52); show it unframed, to select with the mouse'],
  ['Ctrl+A, Ctrl+E', 'start, end of the line'],
  ['Ctrl+U, Ctrl+K, Ctrl+W', 'delete to start, to end, the word before'],
  ['Ctrl+C', 'quit (undelivered messages stay in the outbox)']
]

export interface HelpOverlayProps {
  width: number
  height: number
  onClose: () => void
}

/** Every key and every command, one screen (scrolls on a small terminal). */
export function HelpOverlay ({ width, height, onClose }: HelpOverlayProps): JSX.Element {
  const keyWidth = Math.max(...KEYS.map(([k]) => k.length)) + 2
  const cmdWidth = Math.max(...COMMAND_HELP.map(c => c.usage.length)) + 2
  const lines: OverlayLine[] = [
    { text: 'keys', bold: true },
    ...KEYS.map(([k, what]) => ({ text: `  ${k.padEnd(keyWidth)}${what}`, indent: 2 + keyWidth })),
    '',
    { text: 'commands', bold: true },
    ...COMMAND_HELP.filter(c => c.group !== true).map(c => ({ text: `  ${c.usage.padEnd(cmdWidth)}${c.what}`, indent: 2 + cmdWidth })),
    { text: `  ${'//text'.padEnd(cmdWidth)}send a message that starts with /`, indent: 2 + cmdWidth },
    '',
    { text: 'groups', bold: true },
    ...COMMAND_HELP.filter(c => c.group === true).map(c => ({ text: `  ${c.usage.padEnd(cmdWidth)}${c.what}`, indent: 2 + cmdWidth })),
    '',
    { text: 'your messages', bold: true },
    `  ${STATUS_MARKS.queued} queued  ${STATUS_MARKS.sent} sent  ${STATUS_MARKS.delivered} delivered  ${STATUS_MARKS.read} read  ${STATUS_MARKS.failed} failed`,
    '',
    { text: 'the list', bold: true },
    '  ● online  ○ offline  # group  ? message request  a number: unread messages'
  ]
  return <Overlay title='hyphae help' lines={lines} width={width} height={height} onClose={onClose} />
}
