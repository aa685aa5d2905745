import { memo, type JSX } from 'react'
import { Box, Text } from 'ink'
import { width as cells } from '../format.ts'
import type { Line, MessageLayout } from '../layout.ts'

export interface MessageRowProps {
  layout: MessageLayout
  /** lines cut off at the top of the view (the message is taller than what is left) */
  skip: number
  selected: boolean
}

const MARK_COLORS: Record<string, string> = { '◷': 'yellow', '✓': 'white', '✓✓': 'green', '◉': 'cyan', '✗': 'red' }

function renderLine (line: Line, key: number, selected: boolean): JSX.Element {
  switch (line.kind) {
    case 'day': return <Text key={key} dimColor wrap='truncate'>{line.text}</Text>
    case 'quote': return <Text key={key} dimColor italic wrap='truncate' inverse={selected}>{line.text}</Text>
    case 'body': return <Text key={key} wrap='truncate' inverse={selected}>{line.text}</Text>
    case 'event': return <Text key={key} dimColor wrap='truncate' inverse={selected}>{line.time} {'─ '}{line.text}</Text>
    case 'head': return (
      <Text key={key} wrap='truncate' inverse={selected}>
        <Text dimColor>{line.time}</Text>{' '}
        <Text color={MARK_COLORS[line.mark]}>{line.mark + ' '.repeat(Math.max(0, 2 - cells(line.mark)))}</Text>{' '}
        <Text bold color={line.own ? 'cyan' : 'magenta'}>{line.name}</Text>: <Text color={line.failed ? 'red' : undefined}>{line.text}</Text>
      </Text>
    )
  }
}

/** One message. Memoized: typing or paging re-renders only rows whose message or place changed. */
export const MessageRow = memo(function MessageRow ({ layout, skip, selected }: MessageRowProps): JSX.Element {
  return (
    <Box flexDirection='column'>
      {layout.lines.slice(skip).map((line, i) => renderLine(line, i, selected))}
    </Box>
  )
})
