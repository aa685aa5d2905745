/**
 * `/hyphae/prekeys/1.0.0`: asks a peer for a prekey bundle (one-time keys included), to start a
 * Signal session with someone whose invite we never saw (a fellow group member, say). The
 * opener reads one PrekeyBundle and the stream ends. The answer is checked by libsignal when
 * the session starts (XEdDSA signatures by the identity key bound to the peer id).
 */
import { pbStream } from '@libp2p/utils'
import { MAX_BUNDLE_BYTES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, PROTOCOL, TIMEOUT } from './constants.ts'
import { PrekeyBundle } from './pb/prekeys.ts'
import type { AbortOptions, ComponentLogger, Connection, Logger, PeerId, Startable, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

export interface Prekeys {
  readonly protocol: string
  /** Set by the node layer: hands out a fresh bundle (a one-time prekey used up per call). */
  serve?: (from: PeerId) => Promise<PrekeyBundle>
  /** Asks `peer` for a bundle. */
  fetch (peer: PeerId, options?: AbortOptions): Promise<PrekeyBundle>
}

export interface PrekeysComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: { openStream(peer: PeerId, protocol: string, options?: AbortOptions & { runOnLimitedConnection?: boolean }): Promise<Stream> }
  logger: ComponentLogger
}

export interface PrekeysInit {
  protocol?: string
  timeout?: number
}

class PrekeysService implements Prekeys, Startable {
  readonly protocol: string
  serve?: (from: PeerId) => Promise<PrekeyBundle>
  private readonly components: PrekeysComponents
  private readonly log: Logger
  private readonly timeout: number

  constructor (components: PrekeysComponents, init: PrekeysInit) {
    this.components = components
    this.protocol = init.protocol ?? PROTOCOL
    this.timeout = init.timeout ?? TIMEOUT
    this.log = components.logger.forComponent('hyphae:prekeys')
  }

  readonly [Symbol.toStringTag] = '@hyphae/prekeys'

  async start (): Promise<void> {
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: MAX_INBOUND_STREAMS,
      maxOutboundStreams: MAX_OUTBOUND_STREAMS,
      // a bundle is a few KiB: fine on a relay's chat-sized limits, like direct messages
      runOnLimitedConnection: true
    })
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(this.protocol)
  }

  private readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(this.timeout)
    try {
      if (this.serve == null) throw new Error('no prekeys to serve')
      const bundle = await this.serve(connection.remotePeer)
      await pbStream(stream, { maxDataLength: MAX_BUNDLE_BYTES }).write(bundle, PrekeyBundle, { signal })
      await stream.close({ signal })
    } catch (err: any) {
      this.log('prekeys request from %p failed - %e', connection.remotePeer, err)
      stream.abort(err)
    }
  }

  async fetch (peer: PeerId, options: AbortOptions = {}): Promise<PrekeyBundle> {
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    const stream = await this.components.connectionManager.openStream(peer, this.protocol, { signal, runOnLimitedConnection: true })
    try {
      const bundle = await pbStream(stream, { maxDataLength: MAX_BUNDLE_BYTES }).read(PrekeyBundle, { signal })
      await stream.close({ signal }).catch(() => {})
      return bundle
    } catch (err: any) {
      stream.abort(err)
      throw err
    }
  }
}

export function prekeys (init: PrekeysInit = {}): (components: PrekeysComponents) => Prekeys {
  return (components) => new PrekeysService(components, init)
}

export { PrekeyBundle } from './pb/prekeys.ts'
export * from './constants.ts'
