import { NODE_OPTIONS, parseCommand } from '../args.ts'
import { withMessenger } from '../connect.ts'
import type { DoctorReport } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae doctor [--json] [node flags]

Checks whether others can reach you: reachability, NAT, relays held, the DHT, bootstrap peers,
and says in plain words what to try next. Uses the running daemon when there is one; otherwise
starts the node and gives it --wait seconds (default 10) to find peers first.`

export async function doctorCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('doctor', args, { ...NODE_OPTIONS, json: { type: 'boolean' }, wait: { type: 'string' } })
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const wait = Math.min(Math.max(Number(parsed.values.wait ?? 10), 0), 120)
  const report: DoctorReport = await withMessenger(parsed, async (messenger, viaDaemon) => {
    if (!viaDaemon) {
      // a fresh node needs a moment to connect, reserve a relay, fill its DHT table
      const deadline = Date.now() + wait * 1000
      while (Date.now() < deadline) {
        const r = await messenger.doctor()
        if (r.connections > 0 && (r.relays.length > 0 || r.publicAddresses.length > 0)) break
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    }
    return messenger.doctor()
  })
  if (parsed.values.json === true) { io.out(JSON.stringify(report, null, 2)); return 0 }
  io.out(`verdict:      ${report.verdict}`)
  io.out(`reachability: ${report.reachability}   NAT: ${report.nat}`)
  io.out(`connections:  ${report.connections}   DHT peers: ${report.dhtRoutingTableSize}   bootstrap: ${report.bootstrap.connected}/${report.bootstrap.configured} connected`)
  io.out(`relays held:  ${report.relays.length === 0 ? 'none' : report.relays.join(', ')}`)
  if (report.publicAddresses.length > 0) io.out(`public:       ${report.publicAddresses.join(', ')}`)
  io.out(`outbox:       ${report.outbox}`)
  for (const a of report.advice) io.out(`try: ${a}`)
  return 0
}
