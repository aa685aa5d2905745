/**
 * What sealed sender and padding cost a mailbox deposit (/hyphae/mailbox/2.0.0), in one process
 * with no network: bytes a relay stores per message (the padded box) against the bare v2
 * envelope it stored under 1.0.0, for a 1 KiB message in a conversation and for short and long
 * ones; and the CPU of boxing + opening one against the ratchet's own seal + open of the same
 * message (the baseline, measured in the same run).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { Envelope } from '../protocols/dm/index.ts'
import { openFromRelay, sealForRelay } from '../protocols/dm/sealed.ts'
import { messageText } from './pairs.ts'
import { ratchetParty } from './ratchet-party.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { round } from './stats.ts'

function cpuMs (): number {
  const used = process.cpuUsage()
  return (used.user + used.system) / 1000
}

async function run (ctx: BenchContext): Promise<BenchResult> {
  const count = ctx.quick ? 500 : 3000
  const [a, b] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
  const [alice, bob] = await Promise.all([ratchetParty(a), ratchetParty(b)])
  try {
    await bob.open(await alice.seal(bob, a, 'hello', 1n))
    await alice.open(await bob.seal(alice, b, 'reply', 1n))
    ctx.log(`mailbox-sealed: ${count} messages, ratchet then box`)
    const envelopes: Uint8Array[] = []
    const c0 = cpuMs()
    for (let i = 0; i < count; i++) {
      const envelope = await alice.seal(bob, a, messageText(i), BigInt(i + 2))
      envelopes.push(Envelope.encode(envelope))
      await bob.open(envelope)
    }
    const ratchetCpu = (cpuMs() - c0) / count
    const c1 = cpuMs()
    let boxBytes = 0
    for (const bytes of envelopes) {
      const box = sealForRelay(bytes, b.publicKey)
      boxBytes += box.byteLength
      openFromRelay(box, b)
    }
    const boxCpu = (cpuMs() - c1) / count
    const bareBytes = envelopes.reduce((n, e) => n + e.byteLength, 0) / count
    const sized = async (body: string): Promise<{ bare: number, box: number }> => {
      const bytes = Envelope.encode(await alice.seal(bob, a, body, 1n))
      return { bare: bytes.byteLength, box: sealForRelay(bytes, b.publicKey).byteLength }
    }
    const short = await sized('ok, see you at 8')
    const long = await sized('x'.repeat(20_000))
    return {
      figures: [
        figure({ name: 'box seal + open, CPU per message', unit: 'ms', value: boxCpu, baseline: 'ratchet seal + open', baselineValue: ratchetCpu, better: 'lower', n: count }),
        figure({ name: 'stored per 1 KiB message', unit: 'B', value: boxBytes / count, baseline: 'bare v2 envelope (1.0.0)', baselineValue: bareBytes, better: 'lower', n: count }),
        figure({ name: 'stored per 16-character message', unit: 'B', value: short.box, baseline: 'bare v2 envelope (1.0.0)', baselineValue: short.bare, better: 'lower' }),
        figure({ name: 'stored per 20,000-character message', unit: 'B', value: long.box, baseline: 'bare v2 envelope (1.0.0)', baselineValue: long.bare, better: 'lower' })
      ],
      details: { messages: count, boxCpuMs: round(boxCpu), ratchetCpuMs: round(ratchetCpu) }
    }
  } finally {
    await Promise.all([alice.close(), bob.close()])
  }
}

export const bench: Bench = {
  name: 'mailbox-sealed',
  description: 'sealed sender and padding per mailbox deposit: bytes stored, CPU against the ratchet',
  tags: ['dm', 'mailbox'],
  run
}
