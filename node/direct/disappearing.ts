import { messageKey, type BatchOp, type MessagesStore } from '../store/messages-store.ts'
import type { JsonSublevel } from '../store/contacts-store.ts'
import type { Database } from '../store/database.ts'
import type { ControlHandler } from './control-messages.ts'
import type { Logger, PeerId } from '@libp2p/interface'

/** The control app both sides use to agree on a conversation's timer. */
export const TIMER_APP = 'timer'
/** 0 turns the timer off; otherwise between these (a week is Signal's longest but one; 4 weeks here) */
export const MIN_TIMER_S = 5
export const MAX_TIMER_S = 4 * 7 * 24 * 3600
/** how often expired messages are looked for: a message outlives its timer by at most this */
export const SWEEP_MS = 1000
/** a peer's clock may run ahead of ours by this much; a setting from further ahead is refused */
const MAX_CLOCK_SKEW_MS = 5 * 60_000
/**
 * A compaction rewrites the whole database (4.7 s for 20,000 messages on the loaded test
 * machine, bench/peer-store.ts): the next waits this many times as long as the last took, so
 * compactions take at most a tenth of the time, and an expired message's ciphertext outlives
 * it on disk by about that long (a second or so on a small profile, ~40 s on that one)
 */
export const COMPACT_PAUSE_FACTOR = 9
/** messages read per conversation per sweep (bounds one sweep's work) */
const SWEEP_LIMIT = 10_000

export interface TimerSetting {
  /** 0: off */
  seconds: number
  /** when it was set (ms since the epoch), by whichever side set it last */
  setAt: number
  /** here only: when the timer went on; messages stored before it are kept, as the user had them */
  since?: number
}

export class InvalidTimerError extends Error {
  static name = 'InvalidTimerError'
  name = 'InvalidTimerError'
  constructor (seconds: unknown) {
    super(`a timer is 0 (off) or ${MIN_TIMER_S} s to ${MAX_TIMER_S / 86400} days, not ${String(seconds)}`)
  }
}

export function validTimer (seconds: unknown): seconds is number {
  return Number.isInteger(seconds) && (seconds === 0 || ((seconds as number) >= MIN_TIMER_S && (seconds as number) <= MAX_TIMER_S))
}

export interface DisappearingComponents {
  db: Database
  messages: MessagesStore
  sendControl: (peerId: string, app: string, data: Uint8Array) => Promise<string>
  log: Logger
  /** told which messages of a conversation expired once they are deleted */
  onExpired?: (conversation: string, ids: string[]) => void
  /**
   * The writes that take messages of ours off the outbox (never delivered: they expire unsent,
   * and no relay is handed them after), put in the batch that deletes them
   */
  unqueueOps?: (conversation: string, ids: Set<string>) => Promise<BatchOp[]>
  /**
   * Files offered in expiring messages: the writes that delete their records, put in the batch
   * that deletes the messages, and what to do once it is written (remove their chunks)
   */
  fileExpiry?: (fileIds: string[]) => Promise<{ ops: BatchOp[], written: () => Promise<void> }>
  /** LevelDB's compaction: until it runs, a deleted value stays in the log and table files */
  compact?: () => Promise<void>
  now?: () => number
}

/**
 * Disappearing messages: a timer per conversation, which either side sets and the other follows
 * (the latest setting wins, as in Signal). Every message of a conversation with a timer is
 * deleted from this store once it has been stored for that long; the other side does the same
 * with its own copy, under the same timer.
 */
export class DisappearingMessages {
  private readonly components: DisappearingComponents
  private readonly timers: JsonSublevel<TimerSetting>
  private readonly now: () => number
  private sweeper?: ReturnType<typeof setInterval>
  private sweeping = false
  /** something expired since the last compaction */
  private uncompacted = false
  private nextCompaction = 0
  /** per timed conversation, when its next message can expire: no reading before then */
  private readonly due = new Map<string, number>()
  /**
   * false once a sweep found no timer on and none was written since: the sweep then reads
   * nothing (an empty iterator each second, ~50 µs of CPU, times every messenger in a process)
   */
  private anyTimer: boolean | undefined
  /** timer writes so far, so a sweep that raced one does not conclude there is none */
  private timerWrites = 0

  constructor (components: DisappearingComponents) {
    this.components = components
    this.timers = components.db.sublevel<string, TimerSetting>('timers', { valueEncoding: 'json' })
    this.now = components.now ?? Date.now
  }

  start (): void {
    this.sweeper ??= setInterval(() => { void this.sweep().catch(err => { this.components.log.error('sweeping expired messages failed: %e', err) }) }, SWEEP_MS)
    this.sweeper.unref?.()
  }

  stop (): void {
    clearInterval(this.sweeper)
    this.sweeper = undefined
  }

  /** The conversation's timer in seconds, 0 when off. */
  async timer (peerId: string): Promise<number> {
    return (await this.timers.get(peerId))?.seconds ?? 0
  }

  /** Sets the timer here and tells the other side (through the outbox: it arrives even if they are offline now). */
  async set (peerId: string, seconds: number): Promise<TimerSetting> {
    if (!validTimer(seconds)) throw new InvalidTimerError(seconds)
    const current = await this.timers.get(peerId)
    const setting = { seconds, setAt: Math.max(this.now(), (current?.setAt ?? 0) + 1) }
    await this.writeTimer(peerId, this.following(current, setting))
    await this.components.sendControl(peerId, TIMER_APP, new TextEncoder().encode(JSON.stringify(setting)))
    return setting
  }

  /** The other side set the timer: follow it unless ours was set later. Bad input is refused, nothing stored. */
  readonly onControl: ControlHandler = async (from: PeerId, data: Uint8Array): Promise<void> => {
    let setting: TimerSetting
    try {
      const parsed = JSON.parse(new TextDecoder().decode(data))
      setting = { seconds: parsed.seconds, setAt: parsed.setAt }
    } catch {
      throw new InvalidTimerError('unreadable')
    }
    if (!validTimer(setting.seconds)) throw new InvalidTimerError(setting.seconds)
    if (!Number.isSafeInteger(setting.setAt) || setting.setAt < 0 || setting.setAt > this.now() + MAX_CLOCK_SKEW_MS) throw new InvalidTimerError(`set at ${String(setting.setAt)}`)
    const peer = from.toString()
    const current = await this.timers.get(peer)
    if (current != null && current.setAt >= setting.setAt) return
    await this.writeTimer(peer, this.following(current, setting))
  }

  private async writeTimer (peer: string, setting: TimerSetting): Promise<void> {
    await this.timers.put(peer, setting)
    // after the write: a sweep whose read began before it then sees the count move
    this.timerWrites++
    if (setting.seconds > 0) this.anyTimer = true
    this.due.delete(peer)
  }

  /** `next` with the moment the timer went on (kept across changes of its length). */
  private following (current: TimerSetting | undefined, next: TimerSetting): TimerSetting {
    if (next.seconds === 0) return { seconds: 0, setAt: next.setAt }
    const since = current != null && current.seconds > 0 ? current.since ?? current.setAt : this.now()
    return { seconds: next.seconds, setAt: next.setAt, since }
  }

  /** Deletes every message stored longer than its conversation's timer; returns how many. */
  async sweep (): Promise<number> {
    if (this.sweeping) return 0
    this.sweeping = true
    try {
      let deleted = 0
      if (this.anyTimer !== false) {
        const writes = this.timerWrites
        let on = false
        for await (const [peer, { seconds, since }] of this.timers.iterator()) {
          if (seconds > 0) on = true
          if (seconds === 0 || (this.due.get(peer) ?? 0) > this.now()) continue
          deleted += await this.expire(peer, since ?? 0, seconds * 1000)
        }
        if (!on && writes === this.timerWrites) this.anyTimer = false
      }
      // the ciphertext of what expired leaves the files too, not only the index
      if (deleted > 0) this.uncompacted = true
      if (this.uncompacted && this.components.compact != null && this.now() >= this.nextCompaction) {
        this.uncompacted = false
        const started = this.now()
        await this.components.compact()
        const took = this.now() - started
        this.nextCompaction = this.now() + COMPACT_PAUSE_FACTOR * took
      }
      return deleted
    } finally {
      this.sweeping = false
    }
  }

  private async expire (conversation: string, storedFrom: number, keepMs: number): Promise<number> {
    const { messages } = this.components
    const now = this.now()
    const ops: BatchOp[] = []
    const ids: string[] = []
    const undelivered = new Set<string>()
    const fileIds: string[] = []
    // a message stored after this scan expires after now + keepMs
    let due = now + keepMs
    let read = 0
    for await (const record of messages.messages.values({ gt: `${conversation}!`, lt: `${conversation}!~`, limit: SWEEP_LIMIT })) {
      // a conversation longer than one sweep reads: look again at the next one
      if (++read === SWEEP_LIMIT) due = now
      if (record.storedAt < storedFrom) continue
      if (record.storedAt + keepMs > now) { due = Math.min(due, record.storedAt + keepMs); continue }
      ids.push(record.id)
      if (record.file != null) fileIds.push(record.file.id)
      if (record.direction === 'out' && record.status !== 'delivered' && record.status !== 'read') undelivered.add(record.id)
      ops.push(
        { type: 'del', sublevel: messages.messages, key: messageKey(conversation, record.lamport, record.id) },
        { type: 'del', sublevel: messages.byId, key: record.id },
        messages.readOp(conversation, record.id)
      )
    }
    this.due.set(conversation, due)
    if (ops.length === 0) return 0
    if (undelivered.size > 0 && this.components.unqueueOps != null) ops.push(...await this.components.unqueueOps(conversation, undelivered))
    const files = fileIds.length > 0 ? await this.components.fileExpiry?.(fileIds) : undefined
    await messages.batch([...ops, ...files?.ops ?? []])
    await files?.written().catch(err => { this.components.log.error('removing expired files failed - %e', err) })
    this.components.onExpired?.(conversation, ids)
    return ids.length
  }
}
