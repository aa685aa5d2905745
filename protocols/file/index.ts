/**
 * `/hyphae/file/1.0.0`: encrypted chunks of a file, fetched from any peer that holds them. The
 * asker opens a stream and sends one FileRequest (a Merkle root and a range of at most
 * MAX_CHUNKS_PER_REQUEST chunks); the responder streams the chunks of that range it holds, each
 * with its Merkle path, then a FileEnd with its status and a bitmap of every chunk it holds, and
 * closes. The asker checks each chunk (onChunk) as it arrives. Chunks are ciphertext: a
 * responder (a fellow group member serving what it has) reads nothing it could not already.
 *
 * Flow control: each stream carries a bounded window (the range asked), and the responder waits
 * for the stream to drain before each write, so neither side holds more than a window per stream.
 *
 * @example
 * ```ts
 * const node = await createLibp2p({ ..., services: { file: fileTransfer() } })
 * node.services.file.onRequest = async (from, request) => ({ status: FileStatus.OK, have, chunks })
 * const { have } = await node.services.file.fetch(peer, { root, start: 0, count: 16 }, async chunk => { check(chunk) })
 * ```
 */
import { FileTransferService } from './file.ts'
import type { FileChunk, FileRequest, FileStatus } from './pb/file.ts'
import type { AbortOptions, ComponentLogger, PeerId, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'

export interface FileAnswer {
  status: FileStatus
  /** bitmap of the chunks held (bit i of byte i/8, LSB first) */
  have?: Uint8Array
  /** the chunks held among those asked, in any order; only those asked are sent */
  chunks?: AsyncIterable<FileChunk>
}

/** Set by the node layer: what to answer a request (check who asks: the file's key is not needed to serve). */
export type FileRequestHandler = (from: PeerId, request: FileRequest, options: AbortOptions) => Promise<FileAnswer>

/** Checks and keeps one chunk; throwing (BadChunkError) aborts the stream. */
export type ChunkHandler = (chunk: FileChunk) => Promise<void>

export interface FetchResult {
  /** the responder's bitmap */
  have: Uint8Array
  /** chunks handed to onChunk */
  received: number
}

export interface FileTransfer {
  readonly protocol: string
  onRequest?: FileRequestHandler
  /**
   * Asks `peer` for chunks [start, start + count) of the file named by `root` and hands each to
   * `onChunk` as it arrives. A refusal rejects with FileRefusedError; a chunk outside the range
   * or repeated with BadChunkError; count 0 only asks for the bitmap.
   */
  fetch(peer: PeerId, request: FileRequest, onChunk: ChunkHandler, options?: AbortOptions): Promise<FetchResult>
}

export interface FileTransferInit {
  protocol?: string
  /** ms a request may take when fetch() is given no signal (default TIMEOUT) */
  timeout?: number
  maxInboundStreams?: number
  maxOutboundStreams?: number
  /**
   * run on relayed connections with data limits (default true): chunks are far smaller than a
   * hyphae relay's limit, and a used-up circuit is replaced by a new one on the next request
   */
  runOnLimitedConnection?: boolean
  onRequest?: FileRequestHandler
}

export interface FileTransferComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: { openStream(peer: PeerId, protocol: string, options?: AbortOptions & { runOnLimitedConnection?: boolean }): Promise<Stream> }
  logger: ComponentLogger
}

export function fileTransfer (init: FileTransferInit = {}): (components: FileTransferComponents) => FileTransfer {
  return (components) => new FileTransferService(components, init)
}

export { FileTransferService } from './file.ts'
export { FileOffer, FileRequest, FileChunk, FileEnd, FileFrame, FileStatus } from './pb/file.ts'
export * from './constants.ts'
export * from './errors.ts'
