import { readFile } from 'node:fs/promises'
import net from 'node:net'
import { createInterface } from 'node:readline'

/** Tor's control port speaks lines; a reply longer than this is not one we asked for. */
const MAX_REPLY_LINES = 256
const TIMEOUT = 30_000

export class TorControlError extends Error {
  static name = 'TorControlError'
  name = 'TorControlError'
}

export interface Onion {
  /** 56 base32 characters, without `.onion` */
  serviceId: string
  /** `ED25519-V3:...`, to publish the same address again; only when tor made a new key */
  privateKey?: string
}

/**
 * The few control-port commands hyphae needs (tor's control-spec.txt): authenticate (no auth
 * or the cookie file), ADD_ONION, DEL_ONION. An onion service added here lives as long as this
 * connection: when hyphae stops, tor withdraws it.
 */
export class TorControl {
  private readonly socket: net.Socket
  /** reply lines not yet read by the command waiting for them */
  private readonly replies: string[] = []
  private wake?: () => void
  private closed = false
  private queue: Promise<unknown> = Promise.resolve()
  /** asynchronous events (`650 ...` lines) after SETEVENTS */
  onEvent?: (line: string) => void

  private constructor (socket: net.Socket) {
    this.socket = socket
    const lines = createInterface({ input: socket, crlfDelay: Infinity })
    lines.on('line', line => {
      if (line.startsWith('650')) { this.onEvent?.(line.slice(4)); return }
      // a reply is bounded: a tor that floods us is cut off
      if (this.replies.length >= MAX_REPLY_LINES) { this.close(); return }
      this.replies.push(line)
      this.wake?.()
    })
    lines.on('close', () => { this.closed = true; this.wake?.() })
  }

  /** Connects to tor's ControlPort (`{ host, port }`) or ControlSocket (`{ path }`) and authenticates. */
  static async connect (at: { host: string, port: number } | { path: string }, signal = AbortSignal.timeout(TIMEOUT)): Promise<TorControl> {
    const where = 'path' in at ? at.path : `${at.host}:${at.port}`
    const socket = net.connect(at)
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown): void => { socket.destroy(); reject(new TorControlError(`cannot reach tor's control port at ${where}: ${(err as Error)?.message ?? String(err)}`)) }
      const onAbort = (): void => { fail(signal.reason) }
      socket.once('connect', () => { signal.removeEventListener('abort', onAbort); socket.off('error', fail); resolve() })
      socket.once('error', fail)
      signal.addEventListener('abort', onAbort, { once: true })
    })
    socket.on('error', () => {})
    const control = new TorControl(socket)
    try {
      await control.authenticate()
    } catch (err) {
      control.close()
      throw err
    }
    return control
  }

  /** Sends one command; returns the reply's lines (without the `250-`/`250 ` prefix). One at a time. */
  async command (line: string): Promise<string[]> {
    if (/[\r\n]/.test(line)) throw new TorControlError('a control command is one line')
    const run = this.queue.then(async () => await this.exchange(line))
    this.queue = run.catch(() => {})
    return await run
  }

  private async exchange (line: string): Promise<string[]> {
    this.socket.write(line + '\r\n')
    const name = line.split(' ')[0]
    const deadline = Date.now() + TIMEOUT
    const reply: string[] = []
    for (let i = 0; i < MAX_REPLY_LINES; i++) {
      const next = await this.nextLine(deadline)
      if (next == null) throw new TorControlError(this.closed ? 'tor closed the control connection' : `tor did not answer ${name}`)
      if (!next.startsWith('2')) throw new TorControlError(`tor refused ${name}: ${next}`)
      reply.push(next.slice(4))
      if (next[3] === ' ') return reply
    }
    throw new TorControlError('tor\'s reply was too long')
  }

  private async nextLine (deadline: number): Promise<string | undefined> {
    while (this.replies.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, deadline - Date.now())
        this.wake = () => { clearTimeout(timer); resolve() }
      })
      this.wake = undefined
    }
    return this.replies.shift()
  }

  private async authenticate (): Promise<void> {
    const info = (await this.command('PROTOCOLINFO 1')).join('\n')
    const methods = /METHODS=(\S+)/.exec(info)?.[1].split(',') ?? []
    if (methods.includes('NULL')) {
      await this.command('AUTHENTICATE')
      return
    }
    const cookieFile = /COOKIEFILE="((?:[^"\\]|\\.)*)"/.exec(info)?.[1]
    if (methods.includes('COOKIE') && cookieFile != null) {
      const cookie = await readFile(cookieFile.replace(/\\(.)/g, '$1'))
      await this.command(`AUTHENTICATE ${cookie.toString('hex')}`)
      return
    }
    throw new TorControlError(`tor's control port wants ${methods.join(', ') || 'nothing hyphae knows'}: configure CookieAuthentication 1`)
  }

  /**
   * Publishes `virtualPort` of an onion service that forwards to `target` (HOST:PORT). With a
   * kept key the address is the same as last time; without one tor makes a key and returns it.
   */
  async addOnion (virtualPort: number, target: string, key?: string): Promise<Onion> {
    const reply = await this.command(`ADD_ONION ${key ?? 'NEW:ED25519-V3'} Port=${virtualPort},${target}`)
    const serviceId = reply.map(l => /^ServiceID=([a-z2-7]{56})$/.exec(l)?.[1]).find(id => id != null)
    if (serviceId == null) throw new TorControlError(`tor gave no v3 onion address: ${reply.join(' ')}`)
    const privateKey = reply.map(l => /^PrivateKey=(ED25519-V3:\S+)$/.exec(l)?.[1]).find(k => k != null)
    return { serviceId, privateKey }
  }

  async removeOnion (serviceId: string): Promise<void> {
    await this.command(`DEL_ONION ${serviceId}`)
  }

  close (): void {
    this.socket.destroy()
  }
}
