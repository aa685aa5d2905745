import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { UsageError } from './args.ts'
import { daemonCommand } from './commands/daemon.ts'
import { idCommand } from './commands/id.ts'
import { initCommand } from './commands/init.ts'
import { rpcCommand } from './commands/rpc.ts'
import { contactsCommand } from './commands/contacts.ts'
import { groupCommand } from './commands/group.ts'
import { inviteCommand } from './commands/invite.ts'
import { messagesCommand, sendCommand } from './commands/messages.ts'
import { requestsCommand } from './commands/requests.ts'
import { isTerminal, tuiCommand } from './commands/tui.ts'
import { relayCommand } from './commands/relay.ts'
import { doctorCommand } from './commands/doctor.ts'
import { processIo, type Io } from './io.ts'

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version

const HELP = `hyphae ${VERSION}: a peer-to-peer messenger with no central server

usage: hyphae COMMAND [flags]
       hyphae [node flags]     the terminal UI (what \`npm start\` opens)

commands:
  tui                the terminal UI (the same as no command)
  start              run the node in the foreground, without the UI
  init [--name NICK] create your identity
  id [--json]        your peer id, addresses and invite
  daemon             run the node headless with a JSON-RPC socket
  rpc METHOD [JSON]  call the running daemon
  relay              run a relay for others: circuit relay, DHT, bootstrap, mailboxes
  doctor [--json]    can others reach you? and what to try next
  invite [--no-qr]   your invite string and its QR code
  contacts add|list|rename|remove|block   manage contacts (hyphae contacts --help)
  requests [accept PEER-ID]               messages from people who are not contacts
  group create|invite|join|leave|remove|list|members|send|messages   group chats (hyphae group --help)
  send CONTACT TEXT  send a message (it waits in the outbox until delivered)
  messages CONTACT   print a conversation
The messaging commands use the running daemon for the profile when there is one, and
otherwise run the node for the duration of the command.
flags for every command:
  --data-dir DIR     the profile (default $HYPHAE_HOME, else ~/.local/share/hyphae)
  --help, -h         help for a command
  --version          print the version
environment:
  HYPHAE_HOME        the profile directory
  HYPHAE_PASSPHRASE  the passphrase of an encrypted identity key`

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  init: initCommand,
  id: idCommand,
  rpc: rpcCommand,
  invite: inviteCommand,
  contacts: contactsCommand,
  group: groupCommand,
  requests: requestsCommand,
  send: sendCommand,
  messages: messagesCommand,
  tui: tuiCommand,
  relay: relayCommand,
  doctor: doctorCommand,
  daemon: async (args, io) => daemonCommand(args, io, 'daemon'),
  start: async (args, io) => daemonCommand(args, io, 'start')
}

/** Runs one command; returns the exit code. Every failure is one clear line on stderr. */
export async function main (argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === '--help' || command === '-h' || command === 'help' || (command == null && !isTerminal())) { io.out(HELP); return 0 }
    if (command === '--version' || command === '-v') { io.out(VERSION); return 0 }
    // no command, or only flags: the terminal UI
    if (command == null || command.startsWith('-')) return await tuiCommand(argv, io)
    const run = COMMANDS[command]
    if (run == null) throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    return await run(rest, io)
  } catch (err: any) {
    if (err instanceof UsageError) {
      io.err(`hyphae: ${err.message} (see hyphae --help)`)
      return 2
    }
    io.err(`hyphae: ${err?.message ?? String(err)}`)
    if (process.env.HYPHAE_DEBUG != null) io.err(String(err?.stack))
    return 1
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(await main(process.argv.slice(2)))
}
