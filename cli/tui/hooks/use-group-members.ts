import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import { shortPeerId } from '../format.ts'
import type { GroupMemberInfo, Messenger } from '../../../node/messenger.ts'

export interface GroupMembersState {
  /** everyone this node knows of in the group, members, leavers and removed alike */
  members: GroupMemberInfo[]
  /** a member's nickname (or the tail of their peer id until their join arrives) */
  nameOf: (peerId: string) => string
  /** members, not counting you, that are connected now */
  online: number
}

const NONE: GroupMemberInfo[] = []

/**
 * The open group's members, read again when someone joins, leaves or is removed and when a
 * peer connects or goes: what names group messages and counts who is there.
 */
export function useGroupMembers (messenger: Messenger, group: string | undefined): GroupMembersState {
  const [loaded, setLoaded] = useState<{ group?: string, members: GroupMemberInfo[] }>({ members: NONE })
  const current = useRef(group)

  const load = useCallback(async (id: string) => {
    try {
      const members = await messenger.groupMembers(id)
      if (current.current === id) setLoaded({ group: id, members })
    } catch {
      // left, or stopping: the names fall back to peer ids
    }
  }, [messenger])

  useEffect(() => {
    current.current = group
    if (group != null) void load(group)
  }, [group, load])

  const members = loaded.group === group ? loaded.members : NONE
  useMessengerEvent(messenger, 'group:message', event => {
    if (group != null && event.detail.group === group && event.detail.kind !== 'text') void load(group)
  })
  const onPeer = (peerId: string): void => {
    if (group != null && members.some(m => m.peerId === peerId)) void load(group)
  }
  useMessengerEvent(messenger, 'peer:connect', event => { onPeer(event.detail) })
  useMessengerEvent(messenger, 'peer:disconnect', event => { onPeer(event.detail) })

  return useMemo(() => {
    const names = new Map(members.filter(m => m.nickname !== '').map(m => [m.peerId, m.nickname]))
    return {
      members,
      nameOf: (peerId: string) => names.get(peerId) ?? shortPeerId(peerId),
      online: members.filter(m => !m.me && m.state === 'member' && m.online).length
    }
  }, [members])
}
