/**
 * Persisted DM throughput for one pair: M messages of 1 KiB handed to messenger.sendMessage()
 * one after the other (each returns once sealed and queued on disk), timed until the sender has
 * been told every one is delivered (stored on the receiver, acked, marked delivered); then the
 * same with 64 calls in flight (a pipelining caller). Next to it: the DM protocol alone (seal,
 * send all at once within the protocol's in-flight limit, open, in-memory ack: no storage), a
 * bare stream's one-way throughput of 1 KiB frames, and seal + open in one process with no
 * network at all, which splits the cost into crypto, protocol and storage.
 * Three phases: first everything with the messengers' relay client off; then (phase 3) both
 * ways again with the receiver in a process of its own (bench/dm-receiver.ts), as two users on
 * two machines; then (phase 2, as in dm-rtt.ts) a messenger pair with the default settings next
 * to the bare stream again.
 */
import { ratchetParty } from './ratchet-party.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { dmPair, messageText, messengerPair, payload, sinkPair, splitMessengerPair, type DeliveryWatch, type DmPair, type MessengerPair, type SinkPair, type SplitMessengerPair } from './pairs.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'
import { figure, type Bench, type BenchContext, type BenchResult } from './report.ts'
import { now, round } from './stats.ts'

/** How long any one phase may take before the bench gives up on it. */
const PHASE_TIMEOUT = 300_000

async function bareOneWay (pair: SinkPair, count: number, already: number): Promise<number> {
  const data = payload()
  const t0 = now()
  for (let i = 0; i < count; i++) await pair.lp.write(data)
  await pair.received(already + count)
  return now() - t0
}

async function dmProtocol (pair: DmPair, count: number, firstLamport: number): Promise<number> {
  const signal = AbortSignal.timeout(PHASE_TIMEOUT)
  const t0 = now()
  const sends: Array<Promise<unknown>> = []
  for (let i = 0; i < count; i++) sends.push(pair.send(messageText(i), BigInt(firstLamport + i), signal))
  await Promise.all(sends)
  return now() - t0
}

/** A sending messenger, the receiver's peer id, and the sender's delivery receipts. */
interface Sending { sender: HyphaeMessenger, to: string, watch: DeliveryWatch }

const sending = (pair: MessengerPair | SplitMessengerPair): Sending =>
  ({ sender: pair.sender, to: typeof pair.receiver === 'string' ? pair.receiver : pair.receiver.peerId, watch: pair.watch })

async function messengerPersisted (pair: Sending, count: number): Promise<{ ms: number, queueMs: number }> {
  pair.watch.forget()
  const ids: string[] = []
  const t0 = now()
  for (let i = 0; i < count; i++) ids.push((await pair.sender.sendMessage(pair.to, messageText(i))).id)
  const queueMs = now() - t0
  let last = 0
  for (const id of ids) last = Math.max(last, await pair.watch.deliveredAt(id, PHASE_TIMEOUT))
  return { ms: last - t0, queueMs }
}

/** How many sendMessage() calls the pipelined caller keeps in flight (a script over RPC, a bot). */
const IN_FLIGHT = 64

/**
 * The same messages from a caller that does not wait for each send before the next: up to
 * IN_FLIGHT sendMessage() calls at once, in order (the messenger keeps the order of the calls).
 */
async function messengerPipelined (pair: Sending, count: number): Promise<{ ms: number, queueMs: number }> {
  pair.watch.forget()
  const ids: string[] = new Array(count)
  const t0 = now()
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      ids[i] = (await pair.sender.sendMessage(pair.to, messageText(i))).id
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane))
  const queueMs = now() - t0
  let last = 0
  for (const id of ids) last = Math.max(last, await pair.watch.deliveredAt(id, PHASE_TIMEOUT))
  return { ms: last - t0, queueMs }
}

/** Seal and open in one process: the crypto floor of the protocol. */
async function cryptoOnly (count: number): Promise<{ sealMs: number, openMs: number }> {
  const [a, b] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
  const [alice, bob] = await Promise.all([ratchetParty(a), ratchetParty(b)])
  try {
    // one reply first, so that what follows are plain ratchet messages, as in a conversation
    await bob.open(await alice.seal(bob, a, 'start', 1n))
    await alice.open(await bob.seal(alice, b, 'reply', 1n))
    const envelopes = []
    let t0 = now()
    for (let i = 0; i < count; i++) envelopes.push(await alice.seal(bob, a, messageText(i), BigInt(i + 1)))
    const sealMs = now() - t0
    t0 = now()
    for (const e of envelopes) await bob.open(e)
    return { sealMs, openMs: now() - t0 }
  } finally {
    await Promise.all([alice.close(), bob.close()])
  }
}

export async function run (ctx: BenchContext): Promise<BenchResult> {
  const messages = ctx.quick ? 500 : 5000
  const bareMessages = ctx.quick ? 5000 : 50_000
  const warmup = ctx.quick ? 50 : 200
  const rate = (count: number, ms: number): number => count / (ms / 1000)
  let sink: SinkPair | undefined
  let dm: DmPair | undefined
  let pair: MessengerPair | undefined
  let split: SplitMessengerPair | undefined
  let frames = 0
  const oneWay = async (count: number): Promise<number> => {
    const ms = await bareOneWay(sink!, count, frames)
    frames += count
    return ms
  }
  try {
    sink = await sinkPair()
    await oneWay(warmup)
    // phase 1: nothing in the process searches for relays
    ctx.log('phase 1: bare stream, DM protocol alone, messengers with the relay client off')
    dm = await dmPair()
    pair = await messengerPair({ relayClient: false })
    await dmProtocol(dm, warmup, 1)
    await messengerPersisted(sending(pair), warmup)
    ctx.log(`bare stream: ${bareMessages} frames one way`)
    const bareMs = await oneWay(bareMessages)
    ctx.log(`DM protocol alone: ${messages} envelopes`)
    const dmMs = await dmProtocol(dm, messages, warmup + 1)
    ctx.log(`messenger, relay client off: ${messages} messages, persisted and acked`)
    const quiet = await messengerPersisted(sending(pair), messages)
    ctx.log(`messenger, relay client off, ${IN_FLIGHT} sends in flight: ${messages} messages`)
    await messengerPipelined(sending(pair), warmup)
    const pipelined = await messengerPipelined(sending(pair), messages)
    ctx.log(`seal + open in process: ${messages} envelopes`)
    const crypto = await cryptoOnly(messages)
    await dm.stop()
    dm = undefined
    await pair.stop()

    // phase 3: the receiver in a process of its own, as on another machine
    ctx.log('phase 3: messengers in two processes (relay client off)')
    split = await splitMessengerPair()
    await messengerPipelined(sending(split), warmup)
    const splitOne = await messengerPersisted(sending(split), messages)
    const splitPipelined = await messengerPipelined(sending(split), messages)
    await split.stop()
    split = undefined

    // phase 2: the default settings, whose relay search loads the whole process
    ctx.log('phase 2: bare stream, messengers with the default settings')
    pair = await messengerPair()
    await messengerPersisted(sending(pair), warmup)
    const bareLoudMs = await oneWay(bareMessages)
    ctx.log(`messenger, default settings: ${messages} messages`)
    const loud = await messengerPersisted(sending(pair), messages)

    const bare = rate(bareMessages, bareMs)
    const bareLoud = rate(bareMessages, bareLoudMs)
    const protocol = rate(messages, dmMs)
    const goal = { text: '>= 5,000 msg/s', check: (v: number) => v >= 5000 }
    return {
      figures: [
        figure({ name: 'messenger persisted (relay client off)', unit: 'msg/s', value: rate(messages, quiet.ms), baseline: 'bare stream one-way', baselineValue: bare, better: 'higher', n: messages, goal }),
        figure({ name: `messenger persisted, ${IN_FLIGHT} sends in flight (relay client off)`, unit: 'msg/s', value: rate(messages, pipelined.ms), baseline: 'bare stream one-way', baselineValue: bare, better: 'higher', n: messages, goal }),
        figure({ name: 'messenger persisted, receiver in another process', unit: 'msg/s', value: rate(messages, splitOne.ms), baseline: 'bare stream one-way', baselineValue: bare, better: 'higher', n: messages, goal }),
        figure({ name: `messenger persisted, receiver in another process, ${IN_FLIGHT} sends in flight`, unit: 'msg/s', value: rate(messages, splitPipelined.ms), baseline: 'bare stream one-way', baselineValue: bare, better: 'higher', n: messages, goal }),
        figure({ name: 'DM protocol alone (no storage)', unit: 'msg/s', value: protocol, baseline: 'bare stream one-way', baselineValue: bare, better: 'higher', n: messages }),
        figure({ name: 'messenger persisted (relay client off)', unit: 'msg/s', value: rate(messages, quiet.ms), baseline: 'DM protocol alone', baselineValue: protocol, better: 'higher', n: messages }),
        figure({ name: 'messenger persisted (default settings)', unit: 'msg/s', value: rate(messages, loud.ms), baseline: 'bare stream one-way, same phase', baselineValue: bareLoud, better: 'higher', n: messages, goal })
      ],
      details: {
        messageBytes: 1024,
        messages,
        bareFrames: bareMessages,
        phase1: {
          bareMs: round(bareMs),
          dmProtocolMs: round(dmMs),
          messengerMs: round(quiet.ms),
          /** the sendMessage() loop alone (seal, queue on disk), while deliveries run beside it */
          messengerQueueRate: round(rate(messages, quiet.queueMs)),
          pipelinedMs: round(pipelined.ms),
          pipelinedQueueRate: round(rate(messages, pipelined.queueMs)),
          cryptoSealRate: round(rate(messages, crypto.sealMs)),
          cryptoOpenRate: round(rate(messages, crypto.openMs))
        },
        phase3: {
          oneAtATimeMs: round(splitOne.ms),
          pipelinedMs: round(splitPipelined.ms),
          pipelinedQueueRate: round(rate(messages, splitPipelined.queueMs))
        },
        phase2: {
          bareMs: round(bareLoudMs),
          messengerMs: round(loud.ms),
          messengerQueueRate: round(rate(messages, loud.queueMs))
        }
      },
      notes: [
        'crypto rates: seal and open with the Signal ratchet (libsignal, after one reply: SignalMessages), each writing its session state to level, in one process, no network'
      ]
    }
  } finally {
    await pair?.stop().catch(() => {})
    await split?.stop().catch(() => {})
    await dm?.stop()
    await sink?.stop()
  }
}

export const bench: Bench = {
  name: 'dm-throughput',
  description: 'persisted DM msg/s for one pair (1 KiB) vs the DM protocol alone and a bare one-way stream',
  tags: ['dm'],
  run
}
