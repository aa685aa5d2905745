/**
 * The one client API cli/ talks to, local or remote. The types it shows live beside what
 * produces them (direct/, groups/, files/, net/); this file gathers them for cli/.
 */
import type { AbortOptions, TypedEventTarget } from '@libp2p/interface'
import type { ContactState } from './store/contacts-store.ts'
import type { MessageRecord, MessageStatus } from './store/messages-store.ts'
import type { GroupMessageKind, GroupMessageRecord, GroupMessageStatus, GroupState, MemberState } from './store/groups-store.ts'
import type { ContactInfo, ContactSummary, MessageRequest, RequestDropEvent, RequestDrops, SendResult, ReceiptEvent } from './direct/types.ts'
import type { GroupReceiptEvent, GroupInfo, GroupMemberInfo, GroupSendResult } from './groups/types.ts'
import type { FileInfo, FileProgress, FileLimits, FileSendResult } from './files/types.ts'
import type { DoctorReport, RelayInfo, IdentityInfo, NodeStatus } from './net/types.ts'

export type { ContactState, MessageRecord, MessageStatus }
export type { GroupMessageKind, GroupMessageRecord, GroupMessageStatus, GroupState, MemberState }
export type { ContactInfo, ContactSummary, MessageRequest, RequestDropEvent, RequestDrops, SendResult, ReceiptEvent } from './direct/types.ts'
export type { GroupReceiptEvent, GroupInfo, GroupMemberInfo, GroupSendResult } from './groups/types.ts'
export type { FileState, FileInfo, FileProgress, FileLimits, FileSendResult } from './files/types.ts'
export type { DoctorReport, RelayInfo, Reachability, IdentityInfo, ConnectedPeer, NodeStatus } from './net/types.ts'

export interface Settings {
  /** send read receipts when you open a conversation (off unless you opt in) */
  readReceipts: boolean
  /** the network reads the traffic: dial only TLS relays and bridges (from the next start) */
  censored: boolean
  /** socks5://HOST:PORT every outgoing connection goes through (from the next start); null: none */
  proxy: string | null
  /** tor's control port (HOST:PORT): publish this node as an onion service (from the next start); null: none */
  onion: string | null
  /**
   * serve the DHT (from the next start): crawlers then list this node's peer id and addresses.
   * For a LAN cut off from the internet, where no relay serves it; off unless you opt in.
   */
  dhtServer: boolean
}

export interface MessengerEvents {
  'peer:connect': CustomEvent<string>
  'peer:disconnect': CustomEvent<string>
  /** a message was stored: an incoming one, or your own once queued */
  'message': CustomEvent<MessageRecord>
  /** one of your messages changed state: delivered, read, failed */
  'receipt': CustomEvent<ReceiptEvent>
  /** message requests over their quota lost their oldest messages, or whole requests went */
  'request:dropped': CustomEvent<RequestDropEvent>
  /** on a relay: the peer id of a client granted (or renewing) a reservation */
  'relay:reservation': CustomEvent<string>
  /** a group message was stored: received live, from another member's history, or your own once queued */
  'group:message': CustomEvent<GroupMessageRecord>
  /** one of your group messages changed state (queued -> sent) */
  'group:receipt': CustomEvent<GroupReceiptEvent>
  /** a file moved on: progress (a few times a second while it downloads) or a new state */
  'file:progress': CustomEvent<FileProgress>
}

/** what the Messenger's events come through (cli/ names it from here, not from libp2p) */
export type { TypedEventTarget }

export interface Messenger extends TypedEventTarget<MessengerEvents> {
  readonly peerId: string
  id (options?: AbortOptions): Promise<IdentityInfo>
  status (options?: AbortOptions): Promise<NodeStatus>
  setNickname (nickname: string): Promise<void>
  /** finds a peer's addresses by peer id alone, through the DHT */
  findPeer (peerId: string, options?: AbortOptions): Promise<string[]>
  /** dials a multiaddr, an invite or a peer id (found through the peer store or DHT) */
  connect (target: string, options?: AbortOptions): Promise<void>

  /** contacts: `ref` is a peer id or a unique nickname */
  addContact (inviteOrPeerId: string, nickname?: string): Promise<ContactInfo>
  renameContact (ref: string, nickname: string): Promise<ContactInfo>
  /** Disappearing messages: keep this conversation's messages `seconds` (0: forever), on both sides. */
  setTimer (ref: string, seconds: number): Promise<{ peerId: string, timer: number }>
  /**
   * Starts a new secure session with a contact whose session broke (they reinstalled, lost
   * state): from fresh prekeys, at the next message. The safety number is bound to the peer id,
   * so it is the same after: a contact with a new key is a new peer id, a new contact.
   */
  resetSession (ref: string): Promise<ContactInfo & { hadSession: boolean }>
  removeContact (ref: string): Promise<ContactInfo>
  blockContact (ref: string): Promise<ContactInfo>
  listContacts (): Promise<ContactSummary[]>
  /** people who wrote to you without being a contact */
  listRequests (): Promise<MessageRequest[]>
  acceptRequest (ref: string): Promise<ContactInfo>
  /** what the request quota dropped since the profile was made */
  requestDrops (): Promise<RequestDrops>

  /** stores the message in the outbox and returns at once; delivery follows */
  sendMessage (ref: string, text: string, options?: { replyTo?: string }): Promise<SendResult>
  /**
   * seals the file into the profile and sends its offer (a message); the contact fetches it from
   * you. With `group`, `ref` names a group: the offer is a group message and members fetch from
   * you and from each other
   */
  sendFile (ref: string, path: string, options?: { group?: boolean }): Promise<FileSendResult>
  /** files sent and offered, oldest first; only one conversation's when given */
  listFiles (options?: { contact?: string }): Promise<FileInfo[]>
  /** starts fetching an offered file; once complete it is written into `dir` (default DATA_DIR/downloads) */
  acceptFile (file: string, options?: { dir?: string }): Promise<FileInfo>
  /** refuses an offer, or stops a download and deletes what it received */
  declineFile (file: string): Promise<FileInfo>
  /** writes a complete file's plaintext to `path` (a new file, or a folder to put it in) */
  saveFile (file: string, path: string): Promise<FileInfo>
  /** a contact's auto-accept size and size cap for files */
  setFileLimits (ref: string, change: Partial<FileLimits>): Promise<FileLimits & { peerId: string }>
  /** a page of a conversation, oldest first */
  listMessages (ref: string, options?: { limit?: number, before?: string }): Promise<MessageRecord[]>
  /** marks the conversation read; sends read receipts if you opted in */
  markRead (ref: string): Promise<string[]>
  outboxSize (): Promise<number>
  /** reachability, NAT, relays, DHT, bootstrap, and a plain-language verdict */
  doctor (): Promise<DoctorReport>
  settings (): Promise<Settings>
  updateSettings (change: Partial<Settings>): Promise<Settings>

  /** relays and bridges added by hand: kept in the profile, dialled at every start */
  addRelay (line: string): Promise<RelayInfo>
  listRelays (): Promise<RelayInfo[]>
  removeRelay (which: string): Promise<RelayInfo[]>

  /** groups: `group` is a group id (or a unique prefix of it, 4+ digits) or a unique name */
  createGroup (name: string): Promise<GroupInfo>
  /** a `hyphae://group/...` invite; whoever holds it can read and post, so hand it over privately */
  groupInvite (group: string): Promise<string>
  joinGroup (invite: string): Promise<GroupInfo>
  leaveGroup (group: string): Promise<GroupInfo>
  /** admin only: removes a member and moves everyone else to a new key */
  removeGroupMember (group: string, peerId: string): Promise<GroupInfo>
  listGroups (): Promise<GroupInfo[]>
  groupMembers (group: string): Promise<GroupMemberInfo[]>
  /** stores the message in the group outbox and returns at once; publishing follows */
  sendGroupMessage (group: string, text: string): Promise<GroupSendResult>
  /** a page of a group, oldest first */
  listGroupMessages (group: string, options?: { limit?: number, before?: string }): Promise<GroupMessageRecord[]>
  /** resets the group's unread count (groups send no read receipts) */
  markGroupRead (group: string): Promise<void>

  /**
   * channels: one author, many readers; listed with the groups (`channel: true`), read with
   * listGroupMessages and markGroupRead. `channel` is a channel's id, a unique prefix or name
   */
  createChannel (name: string): Promise<GroupInfo>
  /** owner only: a `hyphae://channel/...` invite (the read key); with `editor`, a peer id, one that lets that peer post */
  channelInvite (channel: string, options?: { editor?: string }): Promise<string>
  followChannel (invite: string): Promise<GroupInfo>
  /** stops reading; nothing is published */
  unfollowChannel (channel: string): Promise<GroupInfo>
  /**
   * owner only: revokes the editor `editor` (a peer id); every follower refuses its posts from
   * now on (its earlier posts stay). The revocation is queued and published like a post
   */
  revokeChannelEditor (channel: string, editor: string): Promise<GroupSendResult>
  /** owner or editor: stores the post in the outbox and returns at once; publishing follows */
  postChannel (channel: string, text: string): Promise<GroupSendResult>
  /** a page of a channel, oldest first */
  listChannelMessages (channel: string, options?: { limit?: number, before?: string }): Promise<GroupMessageRecord[]>

  stop (): Promise<void>
}
