import { randomBytes } from 'node:crypto'
import { decodeFrame, encodeFrame, FrameType, SESSION_ID_LENGTH } from './session-frames.ts'
import { SessionConnection, WebSocketFlow, wireCost } from './session.ts'
import { CLOSE_UNKNOWN_SESSION } from './session-server.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { WebSocket } from 'ws'

/** One TLS flow to the relay's secret path, opened for a session. */
export interface OpenedFlow {
  websocket: WebSocket
  /** bytes the TCP socket has carried both ways so far (TLS handshake included) */
  wireBytes: () => number
}

export type FlowOpener = (signal: AbortSignal) => Promise<OpenedFlow>

export interface ShortFlowSettings {
  /** what one flow may carry, by the censor's count (whole packets, both ways): under 16 KB with room to spare */
  budget: number
  /** a flow that answers nothing for this long while something waits on it is abandoned */
  stallMs: number
  /** an idle flow is polled this often, so that a frozen one is found before data waits on it */
  pollMs: number
  /** flows in a row that fail to open before the session gives up */
  maxFailedFlows: number
}

export const DEFAULT_SHORT_FLOWS: ShortFlowSettings = { budget: 12_000, stallMs: 4_000, pollMs: 5_000, maxFailedFlows: 6 }

/** Packets of a TCP + TLS + WebSocket set-up that socket byte counts do not see (IP/TCP headers). */
const SETUP_PACKETS = 16

/** Figures for `status` and the scenarios: how the sessions of this process used their flows. */
export const shortFlowStats = {
  sessions: 0,
  flows: 0,
  /** TCP payload bytes (both ways) of the last 64 flows that ended */
  flowBytes: [] as number[],
  stalls: 0,
  /** sessions ended, by why */
  ends: {} as Record<string, number>,
  /** for the last 32 stalls: ms from the last progress to the flow being abandoned */
  stallDetectionsMs: [] as number[]
}

function remember (list: number[], value: number, max: number): void {
  list.push(value)
  if (list.length > max) list.shift()
}

export class SessionRefusedError extends Error {
  static name = 'SessionRefusedError'
  name = 'SessionRefusedError'
}

/**
 * The client's side of a short-flow session: keeps one flow open at a time, each carrying at
 * most `budget` bytes on the wire, and moves to a fresh one when a flow is spent or stalls.
 */
export class ClientSession {
  readonly connection: SessionConnection
  private readonly id = randomBytes(SESSION_ID_LENGTH)
  private readonly settings: ShortFlowSettings
  private readonly log: Logger
  private readonly stopped = new AbortController()
  private failedFlows = 0

  constructor (private readonly open: FlowOpener, init: { remoteAddr: Multiaddr, logger: ComponentLogger, settings?: Partial<ShortFlowSettings> }) {
    this.settings = { ...DEFAULT_SHORT_FLOWS, ...init.settings }
    this.log = init.logger.forComponent('hyphae:website:session')
    this.connection = new SessionConnection({
      remoteAddr: init.remoteAddr,
      direction: 'outbound',
      log: init.logger.forComponent('hyphae:website:session:connection'),
      onEnd: (why) => {
        const key = why in shortFlowStats.ends || Object.keys(shortFlowStats.ends).length < 16 ? why.slice(0, 120) : 'other'
        shortFlowStats.ends[key] = (shortFlowStats.ends[key] ?? 0) + 1
        this.stopped.abort()
      }
    })
  }

  /** Opens the first flow (the dial fails if it cannot), then keeps the session on flows until it ends. */
  async start (signal: AbortSignal): Promise<SessionConnection> {
    shortFlowStats.sessions++
    const first = await this.openFlow(true, signal)
    void this.run(first.over)
    return this.connection
  }

  private async run (flow: Promise<void>): Promise<void> {
    let current: Promise<void> | undefined = flow
    while (!this.stopped.signal.aborted) {
      await current
      current = undefined
      if (this.stopped.signal.aborted) return
      try {
        current = (await this.openFlow(false, AbortSignal.any([this.stopped.signal, AbortSignal.timeout(this.settings.stallMs * 3)]))).over
        this.failedFlows = 0
      } catch (err: any) {
        if (err instanceof SessionRefusedError || ++this.failedFlows >= this.settings.maxFailedFlows) {
          this.connection.fail(new Error(`short-flow session lost: ${err.message}`))
          return
        }
        this.log('a flow failed to open (%d in a row): %s', this.failedFlows, err.message)
        await new Promise(resolve => setTimeout(resolve, Math.min(500 * this.failedFlows, 3_000)))
      }
    }
  }

  /** Opens a flow and waits for its Welcome; `over` settles when the flow is done. */
  private async openFlow (fresh: boolean, signal: AbortSignal): Promise<{ over: Promise<void> }> {
    const opened = await this.open(signal)
    const { websocket } = opened
    shortFlowStats.flows++
    const used = opened.wireBytes() + SETUP_PACKETS * 52
    const room = this.settings.budget - used
    if (room < 4 * wireCost(64)) throw new Error(`a flow's set-up took ${used} of its ${this.settings.budget} bytes`)
    // the relay mostly acks while this side uploads: give it less of the flow then
    const serverAllowance = Math.floor(this.connection.hasUnsent ? room / 4 : room / 2)
    const flow = new ClientFlow(websocket, room - serverAllowance)
    flow.send(encodeFrame({ type: FrameType.Hello, id: this.id, fresh, ack: this.connection.receivedOffset, allowance: serverAllowance }))

    let welcomed = false
    let settle!: () => void
    const over = new Promise<void>(resolve => { settle = resolve })
    let lastHeard = Date.now()
    let waitingSince: number | undefined = Date.now()
    let polled = false
    /** the last frame was data: more is likely on its way, so silence is suspicious sooner */
    let streaming = false
    let finished = false
    const onStop = (): void => { flow.close() }
    this.stopped.signal.addEventListener('abort', onStop, { once: true })
    const finish = (why: string): void => {
      if (finished) return
      finished = true
      this.stopped.signal.removeEventListener('abort', onStop)
      clearInterval(monitor)
      this.connection.detach(flow)
      remember(shortFlowStats.flowBytes, opened.wireBytes(), 64)
      flow.close()
      this.log('flow over (%s) after %d bytes', why, opened.wireBytes())
      settle()
    }
    flow.onExhausted = () => { finish('spent') }

    const welcome = new Promise<void>((resolve, reject) => {
      websocket.on('message', (data: Buffer) => {
        lastHeard = Date.now()
        polled = false
        streaming = data[0] === FrameType.Data
        try {
          const frame = decodeFrame(data)
          if (!welcomed) {
            if (frame.type !== FrameType.Welcome) throw new Error('the relay did not welcome the flow')
            welcomed = true
            this.connection.attach(flow, frame.ack)
            resolve()
            return
          }
          if (frame.type === FrameType.Spent) { this.connection.receive({ type: FrameType.Ack, ack: frame.ack }); finish('the relay spent its allowance'); return }
          this.connection.receive(frame)
        } catch (err: any) {
          this.connection.fail(err)
          finish(err.message)
          reject(err)
        }
      })
      websocket.once('close', (code: number) => {
        if (code === CLOSE_UNKNOWN_SESSION) {
          const err = new SessionRefusedError('the relay no longer knows this session')
          if (welcomed) this.connection.fail(err)
          reject(err)
        } else if (!welcomed) reject(new Error(`the relay closed the flow (${code})`))
        finish(`closed ${code}`)
      })
      websocket.on('error', () => { websocket.terminate() })
    })

    const monitor = setInterval(() => {
      const now = Date.now()
      const waiting = !welcomed || this.connection.inFlight || polled
      if (!waiting) waitingSince = undefined
      else waitingSince ??= now
      const since = Math.max(lastHeard, waitingSince ?? now)
      if (waitingSince != null && now - since > this.settings.stallMs) {
        shortFlowStats.stalls++
        remember(shortFlowStats.stallDetectionsMs, now - since, 32)
        websocket.terminate()
        finish('stalled')
        return
      }
      if (welcomed && !waiting && now - lastHeard > (streaming ? this.settings.stallMs / 4 : this.settings.pollMs)) {
        if (flow.remaining() < wireCost(7) * 3) { this.connection.detach(flow); finish('spent on polls'); return }
        polled = true
        this.connection.sendControl(FrameType.Poll)
      }
    }, 250)
    const onAbort = (): void => { websocket.terminate() }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      await welcome
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
    return { over }
  }

  stop (): void {
    this.stopped.abort()
  }
}

class ClientFlow extends WebSocketFlow {
  onExhausted = (): void => {}

  exhausted (): void {
    this.onExhausted()
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.websocket.close(1000)
    // a frozen flow never answers the close: do not wait for it
    setTimeout(() => { this.websocket.terminate() }, 2_000).unref()
  }
}
