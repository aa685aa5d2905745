/**
 * One class per way a file request can fail, so callers can tell them apart by `name`.
 */
import type { FileStatus } from './pb/file.ts'

export class FileRefusedError extends Error {
  static name = 'FileRefusedError'
  name = 'FileRefusedError'
  readonly status: FileStatus
  constructor (status: FileStatus) {
    super(`the peer refused the file request: ${status}`)
    this.status = status
  }
}

export class MalformedFileFrameError extends Error {
  static name = 'MalformedFileFrameError'
  name = 'MalformedFileFrameError'
  constructor (reason: string) {
    super(`malformed file frame: ${reason}`)
  }
}

/** The responder sent a chunk that was not asked for, or one the asker's check refused. */
export class BadChunkError extends Error {
  static name = 'BadChunkError'
  name = 'BadChunkError'
  readonly index: number
  constructor (index: number, reason: string) {
    super(`chunk ${index} refused: ${reason}`)
    this.index = index
  }
}

export class FileTimeoutError extends Error {
  static name = 'FileTimeoutError'
  name = 'FileTimeoutError'
  constructor (message = 'timed out waiting for file chunks') {
    super(message)
  }
}

export class FileServiceStoppedError extends Error {
  static name = 'FileServiceStoppedError'
  name = 'FileServiceStoppedError'
  constructor (message = 'the file service is not running') {
    super(message)
  }
}
