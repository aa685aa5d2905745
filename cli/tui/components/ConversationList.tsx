import { memo, type JSX } from 'react'
import { Box, Text } from 'ink'
import { ConversationItem } from './ConversationItem.tsx'
import type { Conversation, ConversationKind } from '../hooks/use-conversations.ts'

export interface ConversationListProps {
  conversations: Conversation[]
  activeId?: string
  width: number
  height: number
}

/** The sections of the list, in order. */
const SECTIONS: Array<{ kind: ConversationKind, title: string }> = [
  { kind: 'contact', title: 'contacts' },
  { kind: 'group', title: 'groups' },
  { kind: 'request', title: 'requests' }
]

type Row = { type: 'section', title: string } | { type: 'item', c: Conversation }

/** The left pane: contacts, groups, then message requests, each with its unread count (and a contact's online mark). */
export const ConversationList = memo(function ConversationList ({ conversations, activeId, width, height }: ConversationListProps): JSX.Element {
  const rows: Row[] = []
  for (const section of SECTIONS) {
    const items = conversations.filter(c => c.kind === section.kind)
    if (items.length === 0) continue
    rows.push({ type: 'section', title: section.title })
    for (const c of items) rows.push({ type: 'item', c })
  }
  // keep the open conversation in view when the list is longer than the pane
  const activeRow = rows.findIndex(r => r.type === 'item' && r.c.id === activeId)
  const first = Math.max(0, Math.min(activeRow - Math.floor(height / 2), rows.length - height))
  const shown = rows.slice(first, first + height)
  return (
    <Box flexDirection='column' width={width} height={height} overflow='hidden'>
      {rows.length === 0 && <Text dimColor wrap='truncate'>no contacts yet</Text>}
      {shown.map(r => r.type === 'section'
        ? <Text key={`s-${r.title}`} dimColor wrap='truncate'>{r.title}</Text>
        : <ConversationItem key={r.c.id} c={r.c} active={r.c.id === activeId} width={width} />)}
    </Box>
  )
})
