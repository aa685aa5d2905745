import { WebSocketServer, type WebSocket } from 'ws'
import { decodeFrame, encodeFrame, FrameType, MalformedFrameError, SESSION_ID_LENGTH } from './session-frames.ts'
import { MAX_CHUNK, SessionConnection, WebSocketFlow } from './session.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type http from 'node:http'
import type { Duplex } from 'node:stream'

export interface SessionLimits {
  /** sessions held at once; a fresh Hello past this is refused */
  maxSessions: number
  /** a session with no flow for this long is dropped */
  idleMs: number
  /** a flow that has not said Hello by then is closed */
  helloMs: number
  /** the most a client may let the server send on one flow */
  maxAllowance: number
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { maxSessions: 256, idleMs: 60_000, helloMs: 5_000, maxAllowance: 16_384 }

/** WebSocket close codes a refused flow gets: the client tells "start over" from "try later". */
export const CLOSE_UNKNOWN_SESSION = 4000
export const CLOSE_BUSY = 4001
export const CLOSE_MALFORMED = 4002

interface Held {
  connection: SessionConnection
  flow?: ServerFlow
  idle?: NodeJS.Timeout
}

/**
 * The relay's side of short-flow sessions: flows on the secret path (`?s`) are demultiplexed by
 * session id onto one libp2p connection each, handed to the upgrader once. Sessions are capped
 * in number, dropped when idle, and bounded in memory (MAX_UNACKED each).
 */
export class SessionHub {
  private readonly sessions = new Map<string, Held>()
  private readonly wsServer = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_CHUNK + 64 })
  private readonly log: Logger
  private readonly limits: SessionLimits

  constructor (private readonly init: {
    logger: ComponentLogger
    /** hands a new session's connection to libp2p */
    onSession: (connection: SessionConnection) => void
    limits?: Partial<SessionLimits>
  }) {
    this.log = init.logger.forComponent('hyphae:website:session')
    this.limits = { ...DEFAULT_SESSION_LIMITS, ...init.limits }
  }

  get size (): number {
    return this.sessions.size
  }

  handleUpgrade (req: http.IncomingMessage, socket: Duplex, head: Buffer, remoteAddr: Multiaddr): void {
    this.wsServer.handleUpgrade(req, socket, head, websocket => { this.onFlow(websocket, remoteAddr) })
  }

  private onFlow (websocket: WebSocket, remoteAddr: Multiaddr): void {
    const helloTimer = setTimeout(() => { websocket.terminate() }, this.limits.helloMs)
    websocket.on('error', () => { websocket.terminate() })
    websocket.once('close', () => { clearTimeout(helloTimer) })
    websocket.once('message', (data: Buffer, isBinary: boolean) => {
      clearTimeout(helloTimer)
      let held: Held
      let flow: ServerFlow
      try {
        if (!isBinary) throw new MalformedFrameError('text frame')
        const hello = decodeFrame(data)
        if (hello.type !== FrameType.Hello) throw new MalformedFrameError('a flow must begin with Hello')
        const key = Buffer.from(hello.id).toString('hex')
        const found = this.sessions.get(key)
        if (hello.fresh && found != null) throw new MalformedFrameError('session id already in use')
        if (!hello.fresh && found == null) { websocket.close(CLOSE_UNKNOWN_SESSION); return }
        if (hello.fresh && this.sessions.size >= this.limits.maxSessions) { websocket.close(CLOSE_BUSY); return }
        held = found ?? this.open(key, remoteAddr)
        flow = new ServerFlow(websocket, Math.min(hello.allowance, this.limits.maxAllowance))
        if (held.flow != null) held.flow.close()
        clearTimeout(held.idle)
        held.flow = flow
        flow.send(encodeFrame({ type: FrameType.Welcome, ack: held.connection.receivedOffset }))
        held.connection.attach(flow, hello.ack)
      } catch (err: any) {
        this.log('refused a session flow from %a: %s', remoteAddr, err.message)
        websocket.close(err instanceof MalformedFrameError ? CLOSE_MALFORMED : 1011)
        return
      }
      websocket.on('message', (data: Buffer) => {
        try {
          held.connection.receive(decodeFrame(data))
        } catch (err: any) {
          this.log('closing a session flow from %a: %s', remoteAddr, err.message)
          websocket.close(CLOSE_MALFORMED)
          return
        }
        if (decodeFrameType(data) === FrameType.Poll) held.connection.sendControl(FrameType.Ack)
      })
      websocket.once('close', () => {
        held.connection.detach(flow)
        if (held.flow !== flow) return
        held.flow = undefined
        held.idle = setTimeout(() => { this.expire(held, 'idle') }, this.limits.idleMs)
        held.idle.unref()
      })
    })
  }

  private open (key: string, remoteAddr: Multiaddr): Held {
    const held: Held = {
      connection: new SessionConnection({
        remoteAddr,
        direction: 'inbound',
        log: this.init.logger.forComponent('hyphae:website:session:connection'),
        onEnd: () => {
          clearTimeout(held.idle)
          held.flow?.close()
          if (this.sessions.get(key) === held) this.sessions.delete(key)
        }
      })
    }
    this.sessions.set(key, held)
    this.log('session from %a (%d held)', remoteAddr, this.sessions.size)
    this.init.onSession(held.connection)
    return held
  }

  private expire (held: Held, why: string): void {
    held.connection.fail(new Error(`short-flow session ${why}`))
  }

  close (): void {
    for (const held of [...this.sessions.values()]) this.expire(held, 'closed: the listener stopped')
    this.wsServer.close()
  }
}

function decodeFrameType (data: Buffer): number {
  return data[0]
}

/** The server's end of one flow: it sends no more than the client allowed, then says Spent. */
class ServerFlow extends WebSocketFlow {
  constructor (websocket: WebSocket, allowance: number) {
    if (!Number.isSafeInteger(allowance) || allowance < 0) throw new MalformedFrameError('bad allowance')
    super(websocket, allowance)
  }

  exhausted (ack: number): void {
    // the reserve pays for this; the client then closes the flow and opens the next
    this.send(encodeFrame({ type: FrameType.Spent, ack }))
    this.closed = true
  }

  close (): void {
    this.closed = true
    this.websocket.close(1000)
  }
}

export { SESSION_ID_LENGTH }
