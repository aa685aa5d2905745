import type { JSX } from 'react'
import { Text } from 'ink'
import { countLabel, truncate, width as cells } from '../format.ts'
import type { Conversation } from '../hooks/use-conversations.ts'

export interface ConversationHeaderProps {
  conversation?: Conversation
  width: number
  /** the list is collapsed: say where we are, and what waits elsewhere */
  position?: { index: number, total: number, unreadElsewhere: number }
}

/** The open conversation's name, online state, and what to do with a request. */
export function ConversationHeader ({ conversation: c, width, position }: ConversationHeaderProps): JSX.Element {
  if (c == null) return <Text bold wrap='truncate'>{truncate('hyphae', width)}</Text>
  const where = position != null ? `(${position.index + 1}/${position.total}) ` : ''
  const elsewhere = position != null && position.unreadElsewhere > 0 ? `  +${countLabel(position.unreadElsewhere)} unread` : ''
  const state = c.kind === 'request' ? ' · message request: /accept or /block' : c.online ? ' ● online' : ' ○ offline'
  const name = truncate(c.title, Math.max(4, width - cells(where) - cells(state) - cells(elsewhere)))
  return (
    <Text wrap='truncate'>
      <Text dimColor>{where}</Text>
      <Text bold>{name}</Text>
      <Text color={c.kind === 'request' ? 'yellow' : c.online ? 'green' : 'gray'}>{state}</Text>
      <Text color='yellow' bold>{elsewhere}</Text>
    </Text>
  )
}
