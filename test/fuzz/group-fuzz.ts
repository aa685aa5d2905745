/**
 * What the group fuzz specs share: how many inputs to run, a seeded generator (the seed is
 * printed, so a failure can be replayed with HYPHAE_FUZZ_SEED), mutations of a valid input, and
 * a watch for unhandled rejections.
 */
import { randomInt } from 'node:crypto'

/** HYPHAE_FUZZ_RUNS, or 2000 (what `npm test` runs; `npm run fuzz` sets 100000). */
export const RUNS = Math.max(1, Number.parseInt(process.env.HYPHAE_FUZZ_RUNS ?? '', 10) || 2000)

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same inputs. */
export function seeded (name: string): { seed: number, next: () => number, int: (n: number) => number, bytes: (n: number) => Uint8Array } {
  const seed = Number.parseInt(process.env.HYPHAE_FUZZ_SEED ?? '', 10) || randomInt(1, 2 ** 31)
  // printed so that a failing run can be replayed
  process.stdout.write(`# ${name}: HYPHAE_FUZZ_SEED=${seed} HYPHAE_FUZZ_RUNS=${RUNS}\n`)
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(256))
  return { seed, next, int, bytes }
}

/**
 * `input` changed in one to four places, never left as it was: bytes flipped, set to edge
 * values, cut, duplicated, inserted or removed; or the whole replaced by random bytes.
 */
export function mutate (rng: ReturnType<typeof seeded>, input: Uint8Array): Uint8Array {
  let out: Uint8Array = Uint8Array.from(input)
  const times = 1 + rng.int(4)
  for (let t = 0; t < times; t++) {
    const at = out.byteLength === 0 ? 0 : rng.int(out.byteLength)
    switch (rng.int(7)) {
      case 0: if (out.byteLength > 0) out[at] ^= 1 << rng.int(8); break
      case 1: if (out.byteLength > 0) out[at] = [0, 0x7f, 0x80, 0xff][rng.int(4)]; break
      case 2: out = out.subarray(0, at); break
      case 3: out = Uint8Array.from([...out.subarray(0, at), ...rng.bytes(1 + rng.int(16)), ...out.subarray(at)]); break
      case 4: out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(at + 1 + rng.int(8))]); break
      case 5: out = Uint8Array.from([...out, ...out.subarray(at)]); break
      default: out = rng.bytes(rng.int(input.byteLength + 64))
    }
  }
  if (out.byteLength === input.byteLength && out.every((b, i) => b === input[i])) out = Uint8Array.from([...out, 0])
  return out
}

/** Collects unhandled rejections from now until `stop()`. */
export function watchRejections (): { seen: unknown[], stop: () => void } {
  const seen: unknown[] = []
  const onRejection = (reason: unknown): void => { seen.push(reason) }
  process.on('unhandledRejection', onRejection)
  return { seen, stop: () => { process.off('unhandledRejection', onRejection) } }
}
