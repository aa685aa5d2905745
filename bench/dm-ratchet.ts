/**
 * What the Signal ratchet costs per 1 KiB message, in one process with no network: CPU time of
 * seal + open (each writing the session state to level, as the node does), bytes on the wire
 * (the DM frame) for a session's first message (PQXDH: it carries the Kyber ciphertext) and for
 * one in a conversation, and the ratchet state written per message. The baseline is the bare
 * payload: a 1 KiB frame of the bare stream. (The envelope before the ratchet is compared in
 * bench/RESULTS.md, 2026-12-07, measured in the same process against main.)
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { encodeFrame } from '../protocols/dm/index.ts'
import { lengthPrefixed } from '../protocols/dm/frame.ts'
import { messageText, payload } from './pairs.ts'
import { ratchetParty, type RatchetParty } from './ratchet-party.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { round } from './stats.ts'

function cpuMs (): number {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1000
}

/** Counts the ratchet state bytes (keys and values) each operation of `party` writes. */
function countState (party: RatchetParty): { bytes: number } {
  const counter = { bytes: 0 }
  const store = party.ratchet.store
  const opsOf = store.opsOf.bind(store)
  store.opsOf = writes => {
    const ops = opsOf(writes)
    for (const op of ops) counter.bytes += op.key.length + (op.type === 'put' ? (op.value as Uint8Array).byteLength : 0)
    return ops
  }
  return counter
}

async function run (ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 500 : 5000
  const [a, b] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
  const [alice, bob] = await Promise.all([ratchetParty(a), ratchetParty(b)])
  try {
    const first = await alice.seal(bob, a, messageText(0), 1n)
    await bob.open(first)
    await alice.open(await bob.seal(alice, b, 'reply', 1n))
    const written = [countState(alice), countState(bob)]
    ctx.log(`ratchet: ${count} seals and opens`)
    const c0 = cpuMs()
    let frameBytes = 0
    for (let i = 0; i < count; i++) {
      const envelope = await alice.seal(bob, a, messageText(i), BigInt(i + 2))
      frameBytes += encodeFrame({ envelope }).byteLength
      await bob.open(envelope)
    }
    const cpu = (cpuMs() - c0) / count
    const bare = lengthPrefixed([payload()]).byteLength
    const stateBytes = (written[0].bytes + written[1].bytes) / count
    return {
      figures: [
        figure({ name: 'ratchet seal + open, CPU per message', unit: 'ms', value: cpu, baseline: 'none', baselineValue: null, better: 'lower', n: count }),
        figure({ name: 'DM frame, in a conversation', unit: 'B', value: frameBytes / count, baseline: 'bare 1 KiB frame', baselineValue: bare, better: 'lower', n: count }),
        figure({ name: 'DM frame, first message of a session (PQXDH)', unit: 'B', value: encodeFrame({ envelope: first }).byteLength, baseline: 'bare 1 KiB frame', baselineValue: bare, better: 'lower' }),
        figure({ name: 'ratchet state written per message (both sides)', unit: 'B', value: stateBytes, baseline: 'bare 1 KiB frame', baselineValue: bare, better: 'lower', n: count })
      ],
      details: { messages: count, cpuMsPerMessage: round(cpu), stateBytesPerMessage: round(stateBytes) }
    }
  } finally {
    await Promise.all([alice.close(), bob.close()])
  }
}

export const bench: Bench = {
  name: 'dm-ratchet',
  description: 'the Signal ratchet per 1 KiB message: CPU, bytes on the wire, state written',
  tags: ['dm'],
  run
}
