import { serviceCapabilities } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import { pipe } from 'it-pipe'
import {
  MAX_CHUNKS_PER_REQUEST, MAX_FRAME_BYTES, MAX_HAVE_BYTES, MAX_INBOUND_STREAMS, MAX_OUTBOUND_STREAMS, MAX_REQUEST_BYTES,
  PROTOCOL, REQUEST_TIMEOUT, TIMEOUT
} from './constants.ts'
import { BadChunkError, FileRefusedError, FileServiceStoppedError, FileTimeoutError, MalformedFileFrameError } from './errors.ts'
import { FileFrame, FileRequest, FileStatus } from './pb/file.ts'
import type { ChunkHandler, FetchResult, FileAnswer, FileRequestHandler, FileTransfer, FileTransferComponents, FileTransferInit } from './index.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export class FileTransferService implements Startable, FileTransfer {
  readonly protocol: string
  onRequest?: FileRequestHandler
  private readonly components: FileTransferComponents
  private readonly log: Logger
  private readonly timeout: number
  private readonly init: FileTransferInit
  private readonly inbound = new Set<Stream>()
  private started = false

  constructor (components: FileTransferComponents, init: FileTransferInit = {}) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('hyphae:file')
    this.protocol = init.protocol ?? PROTOCOL
    this.timeout = init.timeout ?? TIMEOUT
    this.onRequest = init.onRequest
  }

  readonly [Symbol.toStringTag] = '@hyphae/file'
  readonly [serviceCapabilities]: string[] = ['@hyphae/file']

  async start (): Promise<void> {
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.init.maxInboundStreams ?? MAX_INBOUND_STREAMS,
      maxOutboundStreams: this.init.maxOutboundStreams ?? MAX_OUTBOUND_STREAMS,
      runOnLimitedConnection: this.init.runOnLimitedConnection ?? true
    })
    this.started = true
  }

  async stop (): Promise<void> {
    this.started = false
    await this.components.registrar.unhandle(this.protocol)
    for (const stream of this.inbound) stream.abort(new FileServiceStoppedError())
    this.inbound.clear()
  }

  isStarted (): boolean {
    return this.started
  }

  async fetch (peer: PeerId, request: FileRequest, onChunk: ChunkHandler, options: AbortOptions = {}): Promise<FetchResult> {
    if (!this.started) throw new FileServiceStoppedError()
    if (request.count > MAX_CHUNKS_PER_REQUEST) throw new RangeError(`at most ${MAX_CHUNKS_PER_REQUEST} chunks per request`)
    const signal = options.signal ?? AbortSignal.timeout(this.timeout)
    let stream: Stream | undefined
    try {
      stream = await this.components.connectionManager.openStream(peer, this.protocol, { signal, runOnLimitedConnection: this.init.runOnLimitedConnection ?? true })
      const opened = stream
      // a responder that goes quiet mid-stream must not hold the asker past its deadline: the
      // loop below only looks at the signal when a frame arrives
      const onAbort = (): void => { opened.abort(signal.reason instanceof Error ? signal.reason : new FileTimeoutError()) }
      signal.addEventListener('abort', onAbort, { once: true })
      opened.addEventListener('close', () => { signal.removeEventListener('abort', onAbort) }, { once: true })
      opened.send(lp.encode.single(FileRequest.encode(request)))
      const seen = new Set<number>()
      const result = await pipe(
        opened,
        source => lp.decode(source, { maxDataLength: MAX_FRAME_BYTES }),
        source => decodeFrames(source),
        async source => {
          for await (const frame of source) {
            signal.throwIfAborted()
            if (frame.chunk != null) {
              const { index } = frame.chunk
              // only what was asked, once: a responder cannot make us store or check more
              if (index < request.start || index >= request.start + request.count || seen.has(index)) throw new BadChunkError(index, 'not asked for')
              seen.add(index)
              await onChunk(frame.chunk)
              continue
            }
            if (frame.end == null) throw new MalformedFileFrameError('a frame with neither chunk nor end')
            if (frame.end.have.byteLength > MAX_HAVE_BYTES) throw new MalformedFileFrameError('bitmap too long')
            if (frame.end.status !== FileStatus.OK) throw new FileRefusedError(frame.end.status)
            return { have: frame.end.have, received: seen.size }
          }
          throw new MalformedFileFrameError('the stream ended before its end frame')
        }
      )
      await opened.close({ signal }).catch(err => { opened.abort(err) })
      return result
    } catch (err: any) {
      const error = signal.aborted && options.signal == null ? new FileTimeoutError() : err
      stream?.abort(error)
      throw error
    }
  }

  private readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    if (!this.started) {
      stream.abort(new FileServiceStoppedError())
      return
    }
    this.inbound.add(stream)
    try {
      await this.serve(stream, connection.remotePeer)
    } catch (err: any) {
      this.log('file stream from %p failed - %e', connection.remotePeer, err)
      stream.abort(err)
    } finally {
      this.inbound.delete(stream)
    }
  }

  /** Reads the one request, asks onRequest, streams the chunks and the end, closes. */
  private async serve (stream: Stream, from: PeerId): Promise<void> {
    const signal = AbortSignal.timeout(this.timeout)
    const requests = lp.decode(stream, { maxDataLength: MAX_REQUEST_BYTES })[Symbol.asyncIterator]()
    let answer: FileAnswer
    let request: FileRequest | undefined
    try {
      const first = await raceTimeout(requests.next(), REQUEST_TIMEOUT)
      if (first.done === true) throw new MalformedFileFrameError('no request')
      request = FileRequest.decode(first.value)
      if (request.count > MAX_CHUNKS_PER_REQUEST || request.root.byteLength !== 32) throw new MalformedFileFrameError('bad request')
    } catch (err: any) {
      if (err instanceof FileTimeoutError) throw err
      request = undefined
    }
    if (request == null) {
      answer = { status: FileStatus.MALFORMED }
    } else {
      try {
        answer = this.onRequest == null ? { status: FileStatus.UNKNOWN_FILE } : await this.onRequest(from, request, { signal })
      } catch (err: any) {
        this.log.error('onRequest failed for %p - %e', from, err)
        answer = { status: FileStatus.UNKNOWN_FILE }
      }
    }
    const asked = request
    let sent = 0
    await pipe(
      async function * (): AsyncGenerator<FileFrame> {
        if (answer.status === FileStatus.OK && answer.chunks != null && asked != null) {
          for await (const chunk of answer.chunks) {
            if (chunk.index < asked.start || chunk.index >= asked.start + asked.count) continue
            sent++
            yield { chunk }
          }
        }
        yield { end: { status: answer.status, have: (answer.have ?? new Uint8Array()) as Uint8Array<ArrayBuffer> } }
      },
      source => encodeFrames(source),
      source => lp.encode(source),
      toStream(stream, signal)
    )
    this.log.trace('sent %d chunks to %p', sent, from)
    await stream.close({ signal })
  }
}

async function * decodeFrames (source: AsyncIterable<Uint8ArrayList>): AsyncGenerator<FileFrame> {
  for await (const bytes of source) {
    try {
      yield FileFrame.decode(bytes)
    } catch (err: any) {
      throw new MalformedFileFrameError(err?.message ?? 'undecodable')
    }
  }
}

async function * encodeFrames (source: AsyncIterable<FileFrame>): AsyncGenerator<Uint8Array> {
  for await (const frame of source) yield FileFrame.encode(frame)
}

/** The sink end of a pipe: writes each buffer, waiting for the stream to drain when it asks to. */
function toStream (stream: Stream, signal: AbortSignal): (source: AsyncIterable<Uint8Array | Uint8ArrayList>) => Promise<void> {
  return async source => {
    for await (const buf of source) {
      if (!stream.send(buf)) await stream.onDrain({ signal })
    }
  }
}

async function raceTimeout <T> (promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new FileTimeoutError('no request in time')) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}
