import { TypedEventEmitter, type EventHandler } from 'main-event'
import { CALLS, NOTIFICATIONS, paramsOf, resultOf, type CallName } from './methods.ts'
import { RpcSession } from './session.ts'
import type { Messenger, MessengerEvents } from '../../node/messenger.ts'

export interface AttachOptions {
  /** subscribe to the daemon's events at once (the terminal UI); otherwise on the first listener */
  subscribe?: boolean
  /** ms the daemon has to answer the first call (default 30 s) */
  timeout?: number
}

// its Messenger methods are made from the method table, below the class
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface RemoteMessenger extends Pick<Messenger, CallName> {}

/**
 * The Messenger of a running `hyphae daemon` (or of a terminal UI serving its profile), over
 * its JSON-RPC socket: what the commands and an attached terminal UI talk to. `stop()`
 * detaches; the node keeps running.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RemoteMessenger extends TypedEventEmitter<MessengerEvents> implements Messenger {
  readonly peerId: string
  private readonly session: RpcSession
  private subscribed?: Promise<unknown>
  private detachListener?: () => void
  private stopping = false

  private constructor (session: RpcSession, peerId: string) {
    super()
    this.session = session
    this.peerId = peerId
    session.onNotification = (method, params) => {
      const notification = NOTIFICATIONS[method]
      if (notification == null) return
      const detail = notification.wrap != null ? params?.[notification.wrap] : params
      this.safeDispatchEvent(notification.event, { detail } as any)
    }
    session.addCloseListener(() => { if (!this.stopping) this.detachListener?.() })
  }

  /** Connects to the node serving `path`; DaemonNotRunningError when none does. */
  static async attach (path: string, options: AttachOptions = {}): Promise<RemoteMessenger> {
    const session = await RpcSession.open(path)
    try {
      const id = await session.call('id', {}, options.timeout)
      const messenger = new RemoteMessenger(session, id.peerId)
      if (options.subscribe !== false) await messenger.subscribe()
      return messenger
    } catch (err) {
      session.close()
      throw err
    }
  }

  /** Asks the node for its events (once); listeners added before it answers miss nothing sent after. */
  async subscribe (): Promise<void> {
    this.subscribed ??= this.session.call('subscribe')
    await this.subscribed
  }

  addEventListener<K extends keyof MessengerEvents>(type: K, listener: EventHandler<MessengerEvents[K]> | null, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options)
    if (this.subscribed == null && !this.session.isClosed) this.subscribe().catch(() => {})
  }

  /** true once the node went away (or after stop) */
  get detached (): boolean {
    return this.session.isClosed
  }

  /** called once when the node goes away (not after stop) */
  set onDetach (fn: () => void) {
    this.detachListener = fn
  }

  /** Calls a JSON-RPC method as it is (`hyphae rpc`). */
  async call (method: string, params: unknown = {}, timeout?: number): Promise<any> {
    return this.session.call(method, params, timeout)
  }

  /** Detaches from the node, which keeps running. */
  async stop (): Promise<void> {
    this.stopping = true
    this.session.close()
  }
}

for (const [name, spec] of Object.entries(CALLS) as Array<[CallName, typeof CALLS[CallName]]>) {
  Object.defineProperty(RemoteMessenger.prototype, name, {
    value: async function (this: RemoteMessenger, ...args: unknown[]): Promise<unknown> {
      return resultOf(spec, await this.call(spec.rpc, paramsOf(spec, args)))
    },
    writable: true,
    configurable: true
  })
}
