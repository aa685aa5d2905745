/** What the Messenger shows of groups and channels. */
import type { GroupMessageStatus, GroupState, MemberState } from '../store/groups-store.ts'

export interface GroupReceiptEvent {
  id: string
  group: string
  status: GroupMessageStatus
}

export interface GroupInfo {
  /** 32 hex digits */
  id: string
  name: string
  /** peer id of the admin (the creator) */
  admin: string
  isAdmin: boolean
  /** how many times the admin has replaced the group's key (each removal) */
  epoch: number
  state: GroupState
  /** members as this node sees them (joins, leaves, removals it has received) */
  members: number
  /** your messages waiting for a reachable member */
  queued: number
  /** texts from others that arrived since you last read the group */
  unread: number
  createdAt: number
  joinedAt: number
  /** a channel: only its owner (`admin`) and editors post; its followers are never listed */
  channel?: boolean
  /** a channel this node may post on as an editor */
  editor?: boolean
}

export interface GroupMemberInfo {
  peerId: string
  /** from their join ('' until it arrives) */
  nickname: string
  state: MemberState
  admin: boolean
  me: boolean
  online: boolean
}

export interface GroupSendResult {
  id: string
  status: GroupMessageStatus
}
