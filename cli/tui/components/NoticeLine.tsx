import { memo, type JSX } from 'react'
import { Text } from 'ink'
import { truncate } from '../format.ts'

export type NoticeTone = 'info' | 'error' | 'new'

export interface Notice {
  text: string
  tone: NoticeTone
}

export interface NoticeLineProps {
  notice?: Notice
  width: number
}

/** The status line: what a command did, what went wrong, or that a message arrived elsewhere. */
export const NoticeLine = memo(function NoticeLine ({ notice, width }: NoticeLineProps): JSX.Element {
  if (notice == null) return <Text> </Text>
  const prefix = notice.tone === 'error' ? '✗ ' : notice.tone === 'new' ? '● ' : ''
  const color = notice.tone === 'error' ? 'red' : notice.tone === 'new' ? 'yellow' : 'cyan'
  return <Text color={color} bold={notice.tone === 'new'} wrap='truncate'>{truncate(prefix + notice.text, width)}</Text>
})
