import type { JSX } from 'react'
import { Text } from 'ink'
import { countLabel, truncate, width as cells } from '../format.ts'
import type { Conversation } from '../hooks/use-conversations.ts'

export interface ConversationHeaderProps {
  conversation?: Conversation
  width: number
  /** the list is collapsed: say where we are, and what waits elsewhere */
  position?: { index: number, total: number, unreadElsewhere: number }
  /** a group's members and how many of them (not you) are online */
  members?: { count: number, online: number }
}

function stateOf (c: Conversation, members?: { count: number, online: number }): { text: string, color: string } {
  if (c.kind === 'request') return { text: ' · message request: /accept or /block', color: 'yellow' }
  if (c.kind === 'group' && c.group?.channel === true) {
    if (c.group.state !== 'active') return { text: ' · channel · you unfollowed it', color: 'gray' }
    return { text: ` · channel · ${c.group.isAdmin ? 'yours: followers read what you post' : c.group.editor === true ? 'you are an editor' : 'you follow it: read only'}`, color: 'magenta' }
  }
  if (c.kind === 'group') {
    if (c.group != null && c.group.state !== 'active') return { text: c.group.state === 'left' ? ' · you left this group' : ' · you were removed from this group', color: 'gray' }
    const count = members?.count ?? c.group?.members ?? 0
    const online = members != null ? `, ${members.online} online` : ''
    return { text: ` · ${count} member${count === 1 ? '' : 's'}${online}${c.group?.isAdmin === true ? ' · you are admin' : ''}`, color: 'cyan' }
  }
  return c.online ? { text: ' ● online', color: 'green' } : { text: ' ○ offline', color: 'gray' }
}

/** The open conversation's name, online state, and what to do with a request. */
export function ConversationHeader ({ conversation: c, width, position, members }: ConversationHeaderProps): JSX.Element {
  if (c == null) return <Text bold wrap='truncate'>{truncate('hyphae', width)}</Text>
  const where = position != null ? `(${position.index + 1}/${position.total}) ` : ''
  const elsewhere = position != null && position.unreadElsewhere > 0 ? `  +${countLabel(position.unreadElsewhere)} unread` : ''
  const state = stateOf(c, members)
  const name = truncate(c.title, Math.max(4, width - cells(where) - cells(state.text) - cells(elsewhere)))
  return (
    <Text wrap='truncate'>
      <Text dimColor>{where}</Text>
      <Text bold>{name}</Text>
      <Text color={state.color}>{state.text}</Text>
      <Text color='yellow' bold>{elsewhere}</Text>
    </Text>
  )
}
