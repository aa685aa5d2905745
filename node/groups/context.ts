import { unhex } from '../hex.ts'
import { KeyedMutex } from '../keyed-mutex.ts'
import { epochKeys, type EpochKeys } from './crypto.ts'
import { GroupNotActiveError, UnknownGroupError } from './errors.ts'
import type { GroupRecord, GroupsStore } from '../store/groups-store.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** What the topic validators decided, for logs and tests. */
export interface GroupStats {
  accepted: number
  ignored: number
  rejected: number
  /** ciphertexts on one of our topics that did not open with its epoch key */
  decryptFailures: number
  /** why messages were rejected or ignored, and other refusals (sync, new keys) */
  reasons: Record<string, number>
}

/**
 * What the parts of GroupChats share: the store and the per-group lock every write takes, who
 * we are, the epoch keys, the counters, and the background tasks to wait for on stop.
 */
export class GroupContext {
  readonly store: GroupsStore
  readonly mutex = new KeyedMutex()
  readonly self: PeerId
  readonly me: string
  readonly log: Logger
  readonly stats: GroupStats = { accepted: 0, ignored: 0, rejected: 0, decryptFailures: 0, reasons: {} }
  /** aborted by stop(): ends syncs and dials under way */
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private readonly keyCache = new Map<string, EpochKeys>()
  private readonly tasks = new Set<Promise<unknown>>()

  constructor (init: { store: GroupsStore, self: PeerId, log: Logger }) {
    this.store = init.store
    this.self = init.self
    this.me = init.self.toString()
    this.log = init.log
    this.signal = this.controller.signal
  }

  get stopped (): boolean {
    return this.signal.aborted
  }

  stop (): void {
    this.controller.abort()
  }

  /** The keys of one epoch of the group (its current one by default). */
  keysOf (record: GroupRecord, epoch = record.epoch): EpochKeys {
    const key = `${record.id}!${epoch}`
    let keys = this.keyCache.get(key)
    if (keys == null) {
      const secret = record.secrets[epoch]
      if (secret == null) throw new Error(`no secret for epoch ${epoch} of group ${record.id}`)
      keys = epochKeys(unhex(record.id), unhex(secret))
      this.keyCache.set(key, keys)
    }
    return keys
  }

  count (reason: string): void {
    this.stats.reasons[reason] = (this.stats.reasons[reason] ?? 0) + 1
  }

  /** Runs `task` in the background; drained() waits for it. */
  track (task: Promise<unknown>): void {
    const tracked = task.catch(() => {})
    this.tasks.add(tracked)
    void tracked.finally(() => { this.tasks.delete(tracked) })
  }

  async drained (): Promise<void> {
    await Promise.allSettled([...this.tasks])
  }
}

/** The group, which must still be there and active. */
export function active (record: GroupRecord | undefined): GroupRecord {
  if (record == null) throw new UnknownGroupError('(gone)')
  if (record.state !== 'active') throw new GroupNotActiveError(record.name, record.state)
  return record
}
