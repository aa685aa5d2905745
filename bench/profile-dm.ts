/**
 * Profiles the persisted DM path alone: a messenger pair (relay client off, so nothing else runs
 * in the process) sends N messages of 1 KiB as dm-throughput does, under V8's sampling profiler
 * (started after a warm-up, stopped once every message is delivered). Writes the .cpuprofile and
 * prints the rate and the profile summary (bench/profile-summary.ts).
 *
 * usage: node --import tsx bench/profile-dm.ts [--messages 2000] [--in-flight 1] [--split] [--out FILE.cpuprofile]
 * (--in-flight N: N sendMessage() calls at a time, as a pipelining caller does)
 */
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { messageText, messengerPair, splitMessengerPair } from './pairs.ts'
import { markdownSummary, summarizeProfile } from './profile-summary.ts'

const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' }, 'in-flight': { type: 'string', default: '1' }, split: { type: 'boolean', default: false }, out: { type: 'string', default: 'dm-persisted.cpuprofile' } } })
const count = Number(values.messages)
const inFlight = Math.max(1, Number(values['in-flight']))
// --split: the receiver in a process of its own; the profile is then the sender's alone
const pair = values.split ? await splitMessengerPair() : await messengerPair({ relayClient: false })
const to = typeof pair.receiver === 'string' ? pair.receiver : pair.receiver.peerId
try {
  for (let i = 0; i < 100; i++) await pair.watch.deliveredAt((await pair.sender.sendMessage(to, messageText(i))).id)
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 200 })
  await session.post('Profiler.start')
  const t0 = performance.now()
  const ids: string[] = new Array(count)
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      ids[i] = (await pair.sender.sendMessage(to, messageText(i))).id
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane))
  const queued = performance.now()
  for (const id of ids) await pair.watch.deliveredAt(id, 600_000)
  const done = performance.now()
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  await writeFile(values.out, JSON.stringify(profile))
  const cpu = summarizeProfile(profile as any, 30)
  console.log(`${count} messages: sendMessage loop ${Math.round(count / ((queued - t0) / 1000))}/s, all delivered ${Math.round(count / ((done - t0) / 1000))}/s; ` +
    `${(cpu.totalMs / count).toFixed(2)} ms sampled per message; profile in ${values.out}\n`)
  console.log(markdownSummary(cpu))
} finally {
  await pair.stop()
}
process.exit(0)
