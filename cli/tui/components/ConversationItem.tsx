import type { JSX } from 'react'
import { Text } from 'ink'
import { countLabel, fit, width as cells } from '../format.ts'
import type { Conversation } from '../hooks/use-conversations.ts'

export interface ConversationItemProps {
  c: Conversation
  active: boolean
  width: number
}

/** One line of the list: online mark (# for a group, » for a channel, ? for a request), name, unread count. */
export function ConversationItem ({ c, active, width }: ConversationItemProps): JSX.Element {
  const channel = c.group?.channel === true
  const marker = c.kind === 'request' ? '?' : c.kind === 'group' ? (channel ? '»' : '#') : c.online ? '●' : '○'
  const markerColor = c.kind === 'request' ? 'yellow' : c.kind === 'group' ? (c.group?.state !== 'active' ? 'gray' : channel ? 'magenta' : 'cyan') : c.online ? 'green' : 'gray'
  const badge = c.unread > 0 ? ` ${countLabel(c.unread)}` : ''
  const name = fit(c.title, Math.max(1, width - 2 - cells(badge)))
  return (
    <Text wrap='truncate' inverse={active}>
      <Text color={active ? undefined : markerColor}>{marker}</Text> <Text bold={c.unread > 0}>{name}</Text><Text color={active ? undefined : 'yellow'} bold>{badge}</Text>
    </Text>
  )
}
