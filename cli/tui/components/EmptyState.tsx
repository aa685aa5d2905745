import type { JSX } from 'react'
import { Box, Text } from 'ink'

export interface EmptyStateProps {
  width: number
  height: number
  loaded: boolean
}

/** The main screen before the first contact: what to do next. */
export function EmptyState ({ width, height, loaded }: EmptyStateProps): JSX.Element {
  return (
    <Box flexDirection='column' width={width} height={height} overflow='hidden'>
      {!loaded
        ? <Text dimColor>loading…</Text>
        : <>
          <Text bold>No conversations yet.</Text>
          <Text> </Text>
          <Text wrap='wrap'>Share your invite with <Text color='cyan'>/invite</Text> (it has a QR code to scan).</Text>
          <Text wrap='wrap'>Add someone from theirs: <Text color='cyan'>/add INVITE NICK</Text></Text>
          <Text wrap='wrap'>Every key and command: <Text color='cyan'>?</Text></Text>
        </>}
    </Box>
  )
}
