import type { TypedEventTarget } from '../node/messenger.ts'

/** The most events kept while nobody waits for them (a busy node during a long --wait). */
const MAX_KEPT = 10_000

/**
 * The events of one type from now on, to wait for one of them later: listening starts before
 * the call that causes the event (a send), so an answer faster than the call is not missed.
 */
export class EventQueue<Events extends Record<string, any>, K extends keyof Events & string> {
  private readonly kept: Array<Events[K]['detail']> = []
  private waiter?: { match: (detail: Events[K]['detail']) => boolean, resolve: (detail: Events[K]['detail']) => void }
  private readonly target: TypedEventTarget<Events>
  private readonly type: K

  constructor (target: TypedEventTarget<Events>, type: K) {
    this.target = target
    this.type = type
    target.addEventListener(type, this.onEvent)
  }

  /** The first event (kept or coming) that matches, or undefined after `timeout` ms. */
  async next (match: (detail: Events[K]['detail']) => boolean, timeout: number): Promise<Events[K]['detail'] | undefined> {
    const i = this.kept.findIndex(match)
    if (i !== -1) return this.kept.splice(i, 1)[0]
    if (timeout <= 0) return undefined
    return new Promise(resolve => {
      const timer = setTimeout(() => { this.waiter = undefined; resolve(undefined) }, timeout)
      this.waiter = { match, resolve: detail => { clearTimeout(timer); this.waiter = undefined; resolve(detail) } }
    })
  }

  stop (): void {
    this.target.removeEventListener(this.type, this.onEvent)
  }

  private readonly onEvent = (evt: Events[K]): void => {
    if (this.waiter?.match(evt.detail) === true) { this.waiter.resolve(evt.detail); return }
    this.kept.push(evt.detail)
    if (this.kept.length > MAX_KEPT) this.kept.shift()
  }
}
