/**
 * DM round trip, one message at a time: messenger.sendMessage() until the sender's 'receipt'
 * (delivered) event, i.e. sealed and queued on disk, sent, opened and stored by the receiver,
 * acked, and marked delivered on disk. Next to it, in the same process and interleaved round by
 * round: a 1 KiB write/read on a long-lived bare libp2p echo stream, and the DM protocol alone
 * (seal, send, open, ack, nothing stored).
 *
 * Two phases. First the echo, the DM protocol and a messenger pair with `relayClient: false`.
 * Then a messenger pair with the default settings (what a user runs), again next to the echo.
 * They cannot share a phase: with no relay in the network, a default node's relay search keeps
 * its DHT querying without pause (~35% of a core per node, see bench/README.md), which slows
 * everything else in the process, the baselines included.
 */
import { echoPair, dmPair, messageText, messengerPair, payload, type DmPair, type EchoPair, type MessengerPair } from './pairs.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, round, summarize, type Summary } from './stats.ts'

const ROUNDS = 10

type Probe = () => Promise<number>

/** `warmup` of each probe, then ROUNDS rounds of `perRound` samples of each in turn. */
async function interleave (probes: Record<string, Probe>, perRound: number, warmup: number, log: (m: string) => void): Promise<Record<string, Summary>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(probes).map(k => [k, []]))
  for (let i = 0; i < warmup; i++) for (const probe of Object.values(probes)) await probe()
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, probe] of Object.entries(probes)) {
      for (let i = 0; i < perRound; i++) times[name].push(await probe())
    }
    log(`round ${r + 1}/${ROUNDS}: ${(r + 1) * perRound} samples of ${Object.keys(probes).join(', ')}`)
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, summarize(v)]))
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const samples = ctx.quick ? 200 : 2000
  const warmup = ctx.quick ? 20 : 100
  const perRound = Math.ceil(samples / ROUNDS)
  const data = payload()
  let seq = 0
  const echoProbe = (pair: EchoPair): Probe => async () => {
    const t0 = now()
    await pair.lp.write(data)
    await pair.lp.read()
    return now() - t0
  }
  const dmProbe = (pair: DmPair): Probe => async () => {
    const i = seq++
    const t0 = now()
    await pair.send(messageText(i), BigInt(i + 1))
    return now() - t0
  }
  const messengerProbe = (pair: MessengerPair): Probe => async () => {
    const t0 = now()
    const { id } = await pair.sender.sendMessage(pair.receiver.peerId, messageText(seq++))
    return (await pair.watch.deliveredAt(id)) - t0
  }

  let echo: EchoPair | undefined
  let dm: DmPair | undefined
  let pair: MessengerPair | undefined
  let quiet: Record<string, Summary>
  let loud: Record<string, Summary>
  try {
    echo = await echoPair()
    ctx.log('phase 1: bare echo, DM protocol, messengers with the relay client off')
    dm = await dmPair()
    pair = await messengerPair({ relayClient: false })
    quiet = await interleave({ echo: echoProbe(echo), dm: dmProbe(dm), messenger: messengerProbe(pair) }, perRound, warmup, ctx.log)
    await dm.stop()
    dm = undefined
    await pair.stop()
    ctx.log('phase 2: bare echo, messengers with the default settings')
    pair = await messengerPair()
    loud = await interleave({ echo: echoProbe(echo), messenger: messengerProbe(pair) }, perRound, warmup, ctx.log)
  } finally {
    await pair?.stop().catch(() => {})
    await dm?.stop()
    await echo?.stop()
  }

  const e = quiet.echo
  const goal = { text: '<= 3x echo', check: (_v: number, ratio: number | null) => ratio != null && ratio <= 3 }
  const ms = (s: Summary): Record<string, number> => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'n' ? v : round(v)]))
  return {
    figures: [
      figure({ name: 'messenger RTT p50 (relay client off)', unit: 'ms', value: quiet.messenger.p50, baseline: 'bare echo p50', baselineValue: e.p50, better: 'lower', n: quiet.messenger.n, goal }),
      figure({ name: 'messenger RTT p99 (relay client off)', unit: 'ms', value: quiet.messenger.p99, baseline: 'bare echo p99', baselineValue: e.p99, better: 'lower', n: quiet.messenger.n }),
      figure({ name: 'DM protocol alone RTT p50', unit: 'ms', value: quiet.dm.p50, baseline: 'bare echo p50', baselineValue: e.p50, better: 'lower', n: quiet.dm.n }),
      figure({ name: 'DM protocol alone RTT p99', unit: 'ms', value: quiet.dm.p99, baseline: 'bare echo p99', baselineValue: e.p99, better: 'lower', n: quiet.dm.n }),
      figure({ name: 'messenger RTT p50 (default settings)', unit: 'ms', value: loud.messenger.p50, baseline: 'bare echo p50, same phase', baselineValue: loud.echo.p50, better: 'lower', n: loud.messenger.n, goal }),
      figure({ name: 'messenger RTT p99 (default settings)', unit: 'ms', value: loud.messenger.p99, baseline: 'bare echo p99, same phase', baselineValue: loud.echo.p99, better: 'lower', n: loud.messenger.n })
    ],
    details: {
      messageBytes: 1024,
      samplesPerKind: quiet.echo.n,
      warmup,
      rounds: ROUNDS,
      phase1: { echoMs: ms(quiet.echo), dmProtocolMs: ms(quiet.dm), messengerRelayClientOffMs: ms(quiet.messenger) },
      phase2: { echoMs: ms(loud.echo), messengerDefaultMs: ms(loud.messenger) }
    }
  }
}

export const bench: Bench = {
  name: 'dm-rtt',
  description: 'DM round trip p50/p99 (send -> stored on the receiver -> ack) vs a bare libp2p echo',
  tags: ['dm'],
  run
}
