import { sha512 } from '@noble/hashes/sha2.js'

const ITERATIONS = 5200

/** 30 digits from one identity key: iterated SHA-512, as Signal's safety numbers are built. */
const cache = new Map<string, string>()

function fingerprint (publicKey: Uint8Array): string {
  const cacheKey = Buffer.from(publicKey).toString('hex')
  const cached = cache.get(cacheKey)
  if (cached != null) return cached
  let hash: Uint8Array = publicKey
  for (let i = 0; i < ITERATIONS; i++) hash = sha512(new Uint8Array([...hash, ...publicKey]))
  let digits = ''
  for (let i = 0; i < 6; i++) {
    const chunk = hash.slice(i * 5, i * 5 + 5).reduce((n, b) => n * 256 + b, 0)
    digits += (chunk % 100000).toString().padStart(5, '0')
  }
  if (cache.size > 10_000) cache.clear()
  cache.set(cacheKey, digits)
  return digits
}

/**
 * A 60-digit number two people compare (read aloud or side by side) to know that no one sits
 * between them: the same on both sides, since the two halves are put in a fixed order.
 */
export function safetyNumber (a: Uint8Array, b: Uint8Array): string {
  const [x, y] = [fingerprint(a), fingerprint(b)].sort()
  return (x + y).match(/.{5}/g)?.join(' ') ?? ''
}
