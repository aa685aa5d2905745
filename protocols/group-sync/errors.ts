/**
 * One class per way a sync can fail, so callers can tell them apart by `name`.
 */
import type { SyncStatus } from './pb/sync.ts'

export class SyncRefusedError extends Error {
  static name = 'SyncRefusedError'
  name = 'SyncRefusedError'
  readonly status: SyncStatus
  /** the responder's current epoch, as it said */
  readonly epoch: bigint
  constructor (status: SyncStatus, epoch = 0n) {
    super(`the peer refused to send the group's history: ${status}`)
    this.status = status
    this.epoch = epoch
  }
}

export class SyncTimeoutError extends Error {
  static name = 'SyncTimeoutError'
  name = 'SyncTimeoutError'
  constructor (message = 'timed out waiting for the group history') {
    super(message)
  }
}

export class MalformedSyncFrameError extends Error {
  static name = 'MalformedSyncFrameError'
  name = 'MalformedSyncFrameError'
  constructor (reason: string) {
    super(`malformed group-sync frame: ${reason}`)
  }
}

export class TooManyItemsError extends Error {
  static name = 'TooManyItemsError'
  name = 'TooManyItemsError'
  constructor (limit: number) {
    super(`the peer sent more than the ${limit} items asked for`)
  }
}

export class PageTooLargeError extends Error {
  static name = 'PageTooLargeError'
  name = 'PageTooLargeError'
  constructor (limit: number) {
    super(`the peer sent a page of more than ${limit} bytes`)
  }
}

export class SyncServiceStoppedError extends Error {
  static name = 'SyncServiceStoppedError'
  name = 'SyncServiceStoppedError'
  constructor (message = 'the group-sync service is not running') {
    super(message)
  }
}
