import type { JSX } from 'react'
import { Box, Text } from 'ink'

export interface TextPromptProps {
  label: string
  value: string
  hint?: string
  /** a passphrase: nothing of it is shown, not even its length */
  hidden?: boolean
  error?: string
}

/** One question and the answer being typed (the first-run and unlock screens). */
export function TextPrompt ({ label, value, hint, hidden = false, error }: TextPromptProps): JSX.Element {
  return (
    <Box flexDirection='column'>
      <Text>
        <Text bold>{label} </Text>
        {hidden ? <Text dimColor>(typing is hidden)</Text> : <Text>{value}</Text>}
        <Text inverse> </Text>
      </Text>
      {hint != null && <Text dimColor>{hint}</Text>}
      {error != null && <Text color='red'>{error}</Text>}
    </Box>
  )
}
