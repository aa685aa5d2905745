import { toString as uint8ArrayToString } from 'uint8arrays/to-string'

/** Map key for a message id. */
export function idKey (id: Uint8Array): string {
  return uint8ArrayToString(id, 'base16')
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts. */
export async function abortable <T> (promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted()
  let onAbort = (): void => {}
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(err: Error): void
}

/** Promise.withResolvers, which the repo's ES2023 lib does not declare. */
export function deferred <T> (): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: Error) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}
