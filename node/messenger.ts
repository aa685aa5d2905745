import type { AbortOptions, TypedEventTarget } from '@libp2p/interface'
import type { ContactState } from './store/contacts-store.ts'
import type { MessageRecord, MessageStatus } from './store/messages-store.ts'
import type { GroupMessageKind, GroupMessageRecord, GroupMessageStatus, GroupState, MemberState } from './store/groups-store.ts'

export type { ContactState, MessageRecord, MessageStatus }
export type { GroupMessageKind, GroupMessageRecord, GroupMessageStatus, GroupState, MemberState }

export interface ContactInfo {
  peerId: string
  nickname: string
  state: ContactState
  online: boolean
  /** 60 digits to compare with the contact's screen; absent until their key is known */
  safetyNumber?: string
  addedAt: number
}

/** A contact as listed: with how many of their messages you have not read. */
export interface ContactSummary extends ContactInfo {
  unread: number
  /** disappearing messages: seconds a message is kept in this conversation, 0 (or absent) when off */
  timer?: number
}

export interface MessageRequest extends ContactInfo {
  messages: number
  last?: MessageRecord
  /** older messages of this request dropped to keep it under its quota */
  dropped: number
}

/** The request quota dropped a request's older messages, or (whole) all of a request. */
export interface RequestDropEvent {
  peerId: string
  messages: number
  whole: boolean
}

/** What the request quota has dropped since the profile was made. */
export interface RequestDrops {
  requests: number
  messages: number
}

export interface SendResult {
  id: string
  status: MessageStatus
}

export interface ReceiptEvent {
  id: string
  conversation: string
  status: MessageStatus
}

export interface GroupReceiptEvent {
  id: string
  group: string
  status: GroupMessageStatus
}

export interface DoctorReport {
  reachability: Reachability
  nat: string
  publicAddresses: string[]
  /** peer ids of the relays this node holds a slot on */
  relays: string[]
  connections: number
  dhtRoutingTableSize: number
  bootstrap: { configured: number, connected: number }
  mdns: boolean
  /** dials only TLS-first addresses (see Settings.censored) */
  censored: boolean
  /** connections closed since start because they stopped delivering (see NodeStatus) */
  stalledConnectionsClosed: number
  outbox: number
  /** one sentence: where this node stands */
  verdict: string
  /** what to try next */
  advice: string[]
}

export interface Settings {
  /** send read receipts when you open a conversation (off unless you opt in) */
  readReceipts: boolean
  /** the network reads the traffic: dial only TLS relays and bridges (from the next start) */
  censored: boolean
  /** socks5://HOST:PORT every outgoing connection goes through (from the next start); null: none */
  proxy: string | null
  /**
   * serve the DHT (from the next start): crawlers then list this node's peer id and addresses.
   * For a LAN cut off from the internet, where no relay serves it; off unless you opt in.
   */
  dhtServer: boolean
}

/** A relay the user added by hand (a bridge): see RelayList */
export interface RelayInfo {
  /** the `hyphae://relay/...` line to hand on */
  line: string
  address: string
  peerId: string
  tls: boolean
  connected: boolean
}

export type Reachability = 'direct' | 'via-relay' | 'lan-only' | 'offline'

export interface IdentityInfo {
  peerId: string
  nickname: string
  /** addresses other peers can dial, each ending in /p2p/<peerId> */
  addresses: string[]
  /** a signed `hyphae://invite/...` string another user can paste */
  invite: string
}

export interface ConnectedPeer {
  peerId: string
  address: string
  direction: 'inbound' | 'outbound'
  /** ms, from libp2p's last liveness ping on this connection (every 10 s); absent until one answered */
  rtt?: number
}

export interface NodeStatus {
  peerId: string
  nickname: string
  connections: number
  peers: ConnectedPeer[]
  listenAddresses: string[]
  reachability: Reachability
  dht: { mode: 'client' | 'server', routingTableSize: number }
  /** the addresses the last round of rendezvous records gave every contact (none yet: empty) */
  rendezvous?: { published: string[] }
  knownPeers: number
  /** connections closed since start because they stopped delivering while messages waited */
  stalledConnectionsClosed: number
  /** for the last 32 such closes, ms from the last ack (or the first send) to the close */
  stallDetectionsMs: number[]
  /** false: no passphrase, the store's key sits beside it on disk (absent: not known) */
  passphrase?: boolean
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

/**
 * A file sent or offered in a conversation. `in`: offered (waiting for you to accept), then
 * downloading, then complete (saved to savedTo), or failed, declined, refused (over the
 * contact's size limit). `out`: shared (the recipient may fetch it from you).
 */
export type FileState = 'offered' | 'downloading' | 'complete' | 'failed' | 'declined' | 'refused' | 'shared'

export interface FileInfo {
  /** the file's Merkle root, 64 hex digits (a unique prefix of 4+ names it) */
  id: string
  /** the message that carried the offer */
  messageId: string
  /** the contact's peer id */
  conversation: string
  direction: 'in' | 'out'
  /** sanitized: a plain file name, safe to create */
  name: string
  size: number
  state: FileState
  /** bytes held and checked */
  received: number
  /** where the plaintext was written */
  savedTo?: string
  error?: string
  /** chunks refused because they did not match the file's Merkle root */
  refusedChunks: number
  createdAt: number
  /** a group's file: the group's id (conversation is the group's id too) */
  group?: string
  /** a group's file received: the member who offered it */
  author?: string
}

export interface FileProgress {
  id: string
  conversation: string
  name: string
  direction: 'in' | 'out'
  state: FileState
  received: number
  size: number
  bytesPerSecond: number
  secondsLeft?: number
  savedTo?: string
  error?: string
}

/** Per contact: offers up to autoAccept bytes are fetched without asking; over maxSize, refused. */
export interface FileLimits {
  autoAccept: number
  maxSize: number
}

export interface FileSendResult extends SendResult {
  file: FileInfo
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

/** The one object cli/ talks to. */
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
