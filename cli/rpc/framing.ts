import type { Socket } from 'node:net'

export interface ReadLinesOptions {
  /** the longest line accepted; past it `onOverflow` runs and reading stops */
  maxLine?: number
  onOverflow?: () => void
}

/**
 * Newline-delimited JSON on a socket, read side: calls `onLine` with each non-empty line.
 * Scans only what arrived since the last call, so a long line (a big page of messages) costs
 * its length once rather than once per chunk.
 */
export function readLines (socket: Socket, onLine: (line: string) => void, options: ReadLinesOptions = {}): void {
  let buffer = ''
  let scanned = 0
  const onData = (chunk: string): void => {
    buffer += chunk
    let start = 0
    let nl: number
    while ((nl = buffer.indexOf('\n', Math.max(start, scanned))) !== -1) {
      const line = buffer.slice(start, nl).trim()
      start = nl + 1
      scanned = start
      if (line !== '') onLine(line)
    }
    buffer = buffer.slice(start)
    scanned = buffer.length
    if (options.maxLine != null && buffer.length > options.maxLine) {
      socket.off('data', onData)
      buffer = ''
      options.onOverflow?.()
    }
  }
  socket.setEncoding('utf8')
  socket.on('data', onData)
}

/** Newline-delimited JSON on a socket, write side: one value per line. */
export function writeLine (socket: Socket, value: unknown): void {
  if (socket.writable) socket.write(JSON.stringify(value) + '\n')
}
