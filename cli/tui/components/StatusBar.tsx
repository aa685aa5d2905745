import { memo, type JSX } from 'react'
import { Box, Text } from 'ink'
import { reachabilityLabel, shortPeerId, truncate } from '../format.ts'
import { useNodeStatus } from '../hooks/use-node-status.ts'
import type { Messenger, Reachability } from '../../../node/messenger.ts'

export interface StatusBarProps {
  messenger: Messenger
  width: number
  /** your nickname, shown before your short peer id */
  selfName?: string
  /** the UI runs on a daemon's node (over its socket): Ctrl+C detaches, the node keeps running */
  attached?: boolean
}

const REACH_COLOR: Record<Reachability, string> = { direct: 'green', 'via-relay': 'yellow', 'lan-only': 'yellow', offline: 'red' }

/**
 * Who you are and how you are connected: nickname, short peer id, connections, reachability,
 * outbox, and whether the UI is attached to a running daemon.
 * It follows the node itself, so a status change re-renders this line and nothing else.
 */
export const StatusBar = memo(function StatusBar ({ messenger, width, selfName = '', attached = false }: StatusBarProps): JSX.Element {
  const { status, outbox } = useNodeStatus(messenger)
  const peerId = messenger.peerId
  const conns = status == null ? '…' : String(status.connections)
  const reach = reachabilityLabel(status?.reachability)
  const me = selfName !== '' ? `${selfName} ` : ''
  const daemon = attached ? ' · attached to the daemon' : ''
  // said on every screen: a device with no passphrase gives everything to whoever takes it
  const unprotected = status?.passphrase === false ? ' · no passphrase: anyone with this disk reads your messages (hyphae passphrase)' : ''
  const parts = `${me}${shortPeerId(peerId)} · ${conns} conn · ${reach} · outbox ${outbox ?? '…'}${daemon}${unprotected}`
  const help = width - parts.length >= 8 ? '? help' : ''
  return (
    <Box width={width} justifyContent='space-between'>
      <Text wrap='truncate'>
        {me !== '' && <Text bold>{me}</Text>}
        <Text dimColor>{shortPeerId(peerId)} · </Text>
        <Text>{conns} conn</Text>
        <Text dimColor> · </Text>
        <Text color={status == null ? undefined : REACH_COLOR[status.reachability]}>{reach}</Text>
        <Text dimColor> · </Text>
        <Text color={outbox != null && outbox > 0 ? 'yellow' : undefined}>outbox {outbox ?? '…'}</Text>
        {attached && <Text color='cyan'>{daemon}</Text>}
        {unprotected !== '' && <Text color='red'>{unprotected}</Text>}
      </Text>
      {help !== '' && <Text dimColor>{truncate(help, 8)}</Text>}
    </Box>
  )
})
