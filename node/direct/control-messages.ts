import { Control } from '../pb/control.ts'
import type { PeerId } from '@libp2p/interface'

/**
 * Handles one application's control messages. Resolve only once whatever must survive is
 * written: the sender's ack goes out after this resolves. Throwing refuses the message
 * (the sender's outbox will retry it later).
 */
export type ControlHandler = (from: PeerId, data: Uint8Array) => Promise<void>

export class UnknownControlAppError extends Error {
  static name = 'UnknownControlAppError'
  name = 'UnknownControlAppError'
}

/** Routes control payloads of direct messages to the application that registered for them. */
export class ControlRouter {
  private readonly handlers = new Map<string, ControlHandler>()

  register (app: string, handler: ControlHandler): void {
    this.handlers.set(app, handler)
  }

  encode (app: string, data: Uint8Array): Uint8Array {
    return Control.encode({ app, data: data as Uint8Array<ArrayBuffer> })
  }

  async dispatch (from: PeerId, payload: Uint8Array): Promise<void> {
    const control = Control.decode(payload)
    const handler = this.handlers.get(control.app)
    if (handler == null) throw new UnknownControlAppError(`no handler for control app ${JSON.stringify(control.app)}`)
    await handler(from, control.data)
  }
}
