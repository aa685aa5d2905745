import { Lru } from '../../protocols/dm/index.ts'
import { QueueStore } from './durable-queue.ts'
import type { Database } from './database.ts'
import type { JsonSublevel } from './contacts-store.ts'
import type { BatchOp } from './messages-store.ts'
import type { AbstractSublevel } from 'abstract-level'

/** `active`: you take part; `left`: you left; `removed`: the admin removed you. */
export type GroupState = 'active' | 'left' | 'removed'

export interface GroupRecord {
  /** 16 bytes, hex: a hash of the admin's public key and the nonce */
  id: string
  name: string
  /** peer id of the creator, the only one who invites, removes members and hands out new epochs */
  admin: string
  /** hex: the id is made from the admin's key and this (see groupIdOf); absent in groups made before */
  nonce?: string
  epoch: number
  /** epoch -> its secret (hex), for every epoch this node has held */
  secrets: Record<string, string>
  state: GroupState
  /**
   * A removal in this epoch was seen: our own messages wait in the outbox until the admin's key
   * for this epoch arrives, so the removed member cannot read them.
   */
  awaitingEpoch?: number
  /** admin only: members the new epoch's key has not yet been handed to the DM outbox for */
  rekeyPending?: string[]
  /**
   * A channel: only the admin (its owner) and its editors post; followers are never listed and
   * never announce themselves (see node/groups/channel-rules.ts)
   */
  channel?: true
  /** a channel's editor: the owner's certificate (hex) this node's posts carry */
  editorCert?: string
  /**
   * a channel: editors the owner revoked -> the Lamport clock of its revocation (their posts at
   * or above it are refused) and the revocation as signed (base64), served ahead of history
   */
  revoked?: Record<string, { lamport: number, signed: string }>
  createdAt: number
  joinedAt: number
}

export type GroupMessageKind = 'text' | 'join' | 'leave' | 'remove' | 'revoke'

/** `queued`: yours, waiting for a reachable member; `sent`: published to at least one; `received`: someone else's. */
export type GroupMessageStatus = 'queued' | 'sent' | 'received'

export interface GroupMessageRecord {
  id: string
  group: string
  /** peer id */
  author: string
  direction: 'in' | 'out'
  kind: GroupMessageKind
  /** the text; for a join, the author's nickname */
  body: string
  /** remove: the peer id removed */
  subject?: string
  lamport: number
  sentAt: number
  storedAt: number
  status: GroupMessageStatus
  /** sha256 of the signed message, hex */
  hash: string
  /** hash of the author's previous message, hex ('' for its first) */
  prev: string
  /** the message is a file offer: the file's id (see files.list for its state) */
  file?: { id: string, name: string, size: number }
}

export type MemberState = 'member' | 'left' | 'removed'

export interface GroupMemberRecord {
  peerId: string
  nickname: string
  state: MemberState
  admin: boolean
  /** Lamport clock of the last join, leave or removal applied (0: known only from an invite or a new key) */
  at: number
  /** Lamport clock of the removal message (absent when the removal is known only from a new key) */
  removedAt?: number
  /** the epoch a removal ended */
  removedEpoch?: number
}

export interface HistoryPage {
  items: Uint8Array[]
  /** the key of the last item, when the page is full */
  next?: string
}

/** an author's latest message in a group */
export interface Head { hash: string, lamport: number }

/** Groups cached at most, and members and heads: far more than a person takes part in. */
const CACHED_GROUPS = 256
const CACHED_ENTRIES = 4096

const pad = (n: number): string => n.toString().padStart(16, '0')

/** Keys sort by group, then Lamport clock, then id: a range read is a page of a group, in order. */
export function groupMessageKey (group: string, lamport: number, id: string): string {
  return `${group}!${pad(lamport)}!${id}`
}

type BinarySublevel = AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>

/**
 * Everything a node keeps about its groups, in the profile's level database:
 *
 *   groups!<group>                       GroupRecord
 *   gmsg!<group>!<lamport>!<id>          GroupMessageRecord (what the UI lists)
 *   graw!<group>!<lamport>!<id>          the signed message (what group-sync serves)
 *   gids!<group>!<id>                    -> its gmsg key (dedupe, paging)
 *   ghash!<group>!<hash>                 -> id (gap detection: is the author's previous one here?)
 *   ghead!<group>!<peer>                 the author's latest { hash, lamport }
 *   gmember!<group>!<peer>               GroupMemberRecord
 *   gclock!<group>                       the group's Lamport clock
 *   gout!<group>!<seq>!<id>              the signed message, waiting for a reachable member
 *   gunread!<group>                      how many texts from others arrived since you last read it
 */
export class GroupsStore {
  readonly groups: JsonSublevel<GroupRecord>
  readonly messages: JsonSublevel<GroupMessageRecord>
  readonly raw: BinarySublevel
  readonly ids: JsonSublevel<string>
  readonly hashes: JsonSublevel<string>
  readonly heads: JsonSublevel<Head>
  readonly members: JsonSublevel<GroupMemberRecord>
  readonly clocks: JsonSublevel<number>
  /** the group outbox's entries (see GroupOutbox) */
  readonly outbox: QueueStore
  readonly unread: JsonSublevel<number>
  private readonly db: Database
  /**
   * Groups, members and authors' heads as last written or read: every received message needs
   * them, and each level read is a thread-pool round trip and a decryption. Filled by reads,
   * updated by batch() once written (all their writes go through it), so never staler than disk.
   */
  private readonly cached = {
    groups: new Lru<GroupRecord | null>(CACHED_GROUPS),
    members: new Lru<GroupMemberRecord | null>(CACHED_ENTRIES),
    heads: new Lru<Head | null>(CACHED_ENTRIES)
  }

  /**
   * Every group record, once listed: each post, API call and history request served looks its
   * group up in the list, and a level iterator is a thread-pool trip and a decryption of every
   * record, seconds on a loaded node (a channel's owner, bench/channel-procs.ts). Kept by batch().
   */
  private allGroups?: Map<string, GroupRecord>
  /** bumped by every batch: a read that began before one does not fill the cache with what it read */
  private writes = 0
  /** every clock write goes through putMessageOps, under the group's mutex: memory is authoritative */
  private readonly clockCache = new Map<string, number>()
  /** unread counts change only under the group's mutex too */
  private readonly unreadCache = new Map<string, number>()

  constructor (db: Database) {
    this.db = db
    this.groups = db.sublevel<string, GroupRecord>('groups', { valueEncoding: 'json' })
    this.messages = db.sublevel<string, GroupMessageRecord>('gmsg', { valueEncoding: 'json' })
    this.raw = db.sublevel<string, Uint8Array>('graw', { valueEncoding: 'view' })
    this.ids = db.sublevel<string, string>('gids', { valueEncoding: 'json' })
    this.hashes = db.sublevel<string, string>('ghash', { valueEncoding: 'json' })
    this.heads = db.sublevel<string, Head>('ghead', { valueEncoding: 'json' })
    this.members = db.sublevel<string, GroupMemberRecord>('gmember', { valueEncoding: 'json' })
    this.clocks = db.sublevel<string, number>('gclock', { valueEncoding: 'json' })
    this.outbox = new QueueStore(db, 'gout')
    this.unread = db.sublevel<string, number>('gunread', { valueEncoding: 'json' })
  }

  async batch (ops: BatchOp[]): Promise<void> {
    await this.db.batch(ops as any)
    this.writes++
    for (const op of ops) {
      const cache = op.sublevel === this.groups ? this.cached.groups : op.sublevel === this.members ? this.cached.members : op.sublevel === this.heads ? this.cached.heads : undefined
      cache?.set(op.key, op.type === 'put' ? Object.freeze(op.value) : null)
      if (op.sublevel === this.groups && this.allGroups != null) {
        if (op.type === 'put') this.allGroups.set(op.key, op.value)
        else this.allGroups.delete(op.key)
      }
    }
  }

  /** A read through `cache` (null: known to be absent). */
  private async read <V> (cache: Lru<V | null>, sublevel: JsonSublevel<V>, key: string): Promise<V | undefined> {
    const hit = cache.get(key)
    if (hit !== undefined) return hit ?? undefined
    const writes = this.writes
    const value = await sublevel.get(key)
    if (writes === this.writes) cache.set(key, value == null ? null : Object.freeze(value))
    return value
  }

  async group (id: string): Promise<GroupRecord | undefined> {
    return this.read(this.cached.groups, this.groups, id)
  }

  async listGroups (): Promise<GroupRecord[]> {
    if (this.allGroups == null) {
      const writes = this.writes
      const records = await this.groups.values().all()
      if (writes !== this.writes) return records
      this.allGroups = new Map(records.map(r => [r.id, Object.freeze(r)]))
    }
    return [...this.allGroups.values()]
  }

  groupOp (record: GroupRecord): BatchOp {
    return { type: 'put', sublevel: this.groups, key: record.id, value: record }
  }

  async clock (group: string): Promise<number> {
    let clock = this.clockCache.get(group)
    if (clock == null) {
      clock = (await this.clocks.get(group)) ?? 0
      this.clockCache.set(group, clock)
    }
    return clock
  }

  async unreadCount (group: string): Promise<number> {
    let n = this.unreadCache.get(group)
    if (n == null) {
      n = (await this.unread.get(group)) ?? 0
      this.unreadCache.set(group, n)
    }
    return n
  }

  /** Sets the group's unread count (callers hold the group's mutex and write the op in their batch). */
  unreadOp (group: string, count: number): BatchOp {
    this.unreadCache.set(group, count)
    return { type: 'put', sublevel: this.unread, key: group, value: count }
  }

  async has (group: string, id: string): Promise<boolean> {
    return (await this.ids.get(`${group}!${id}`)) != null
  }

  /**
   * has(), answered on this thread, as the DM side does (MessagesStore.hasSync): a new id is a
   * miss that LevelDB's bloom filters settle from memory, for far less than a trip through the
   * thread pool (every received message asks this once, before gossipsub may forward it).
   */
  hasSync (group: string, id: string): boolean {
    return this.ids.getSync(`${group}!${id}`) != null
  }

  async get (group: string, id: string): Promise<GroupMessageRecord | undefined> {
    const key = await this.ids.get(`${group}!${id}`)
    return key == null ? undefined : this.messages.get(key)
  }

  async hasHash (group: string, hash: string): Promise<boolean> {
    return (await this.hashes.get(`${group}!${hash}`)) != null
  }

  async head (group: string, peer: string): Promise<Head | undefined> {
    return this.read(this.cached.heads, this.heads, `${group}!${peer}`)
  }

  /**
   * The operations that store a message (record, signed bytes, indexes), move the author's head
   * when it is their latest, and advance the group clock to `clock`; run them in one batch.
   */
  putMessageOps (record: GroupMessageRecord, signed: Uint8Array, clock: number, head?: Head): BatchOp[] {
    const key = groupMessageKey(record.group, record.lamport, record.id)
    // callers hold the group's mutex; a batch that fails after this only leaves a gap in the clock
    this.clockCache.set(record.group, Math.max(clock, this.clockCache.get(record.group) ?? 0))
    const ops: BatchOp[] = [
      { type: 'put', sublevel: this.messages, key, value: record },
      { type: 'put', sublevel: this.raw, key, value: signed },
      { type: 'put', sublevel: this.ids, key: `${record.group}!${record.id}`, value: key },
      { type: 'put', sublevel: this.hashes, key: `${record.group}!${record.hash}`, value: record.id },
      { type: 'put', sublevel: this.clocks, key: record.group, value: this.clockCache.get(record.group) }
    ]
    if (head == null || record.lamport > head.lamport) {
      ops.push({ type: 'put', sublevel: this.heads, key: `${record.group}!${record.author}`, value: { hash: record.hash, lamport: record.lamport } })
    }
    return ops
  }

  async statusOp (group: string, id: string, status: GroupMessageRecord['status']): Promise<BatchOp[]> {
    const key = await this.ids.get(`${group}!${id}`)
    if (key == null) return []
    const record = await this.messages.get(key)
    if (record == null || record.status === status) return []
    return [{ type: 'put', sublevel: this.messages, key, value: { ...record, status } }]
  }

  /** A page of a group, oldest first, ending before `before` (a message id) when given. */
  async list (group: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 50, 1000))
    let lt = `${group}!~`
    if (options.before != null) {
      const key = await this.ids.get(`${group}!${options.before}`)
      if (key != null) lt = key
    }
    const page = await this.messages.values({ gt: `${group}!`, lt, reverse: true, limit }).all()
    return page.reverse()
  }

  /**
   * Signed messages with a Lamport clock above `since`, in order, after the key `cursor` when
   * given (it must be one of this group's keys): what group-sync serves. At most `limit` items
   * and `maxBytes` bytes (always at least one item).
   */
  async history (group: string, since: number, cursor: string | undefined, limit: number, maxBytes = Infinity): Promise<HistoryPage> {
    let gt = `${group}!${pad(since)}!~`
    if (cursor != null && cursor.startsWith(`${group}!`) && cursor > gt) gt = cursor
    const items: Uint8Array[] = []
    let bytes = 0
    let last: string | undefined
    let full = false
    for await (const [key, value] of this.raw.iterator({ gt, lt: `${group}!~`, limit })) {
      if (items.length > 0 && bytes + value.byteLength > maxBytes) {
        full = true
        break
      }
      items.push(value)
      bytes += value.byteLength
      last = key
    }
    return { items, next: full || items.length === limit ? last : undefined }
  }

  async member (group: string, peer: string): Promise<GroupMemberRecord | undefined> {
    return this.read(this.cached.members, this.members, `${group}!${peer}`)
  }

  async listMembers (group: string): Promise<GroupMemberRecord[]> {
    return this.members.values({ gt: `${group}!`, lt: `${group}!~` }).all()
  }

  memberOp (group: string, record: GroupMemberRecord): BatchOp {
    return { type: 'put', sublevel: this.members, key: `${group}!${record.peerId}`, value: record }
  }

  /** A key that sorts after every earlier one, across restarts too (see QueueStore). */
  outboxKey (group: string, id: string): string {
    return this.outbox.nextKey(group, id)
  }

  outboxOp (key: string, signed: Uint8Array): BatchOp {
    return this.outbox.putOp(key, signed)
  }

  async outboxSize (group?: string): Promise<number> {
    return this.outbox.size(group)
  }
}
