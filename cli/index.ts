import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { UsageError } from './args.ts'
import { flushed, processIo, type Io } from './io.ts'
import { sanitize } from './tui/format.ts'

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
  watch              follow the running daemon: one JSON line per notification
  relay              run a relay for others: circuit relay, DHT, bootstrap, mailboxes
  relays add|list|remove   relays and bridges given to you by hand (hyphae relays --help)
  doctor [--json]    can others reach you? and what to try next
  invite [--no-qr]   your invite string and its QR code
  contacts add|list|rename|remove|block   manage contacts (hyphae contacts --help)
  requests [accept PEER-ID]               messages from people who are not contacts
  group create|invite|join|leave|remove|list|members|send|messages   group chats (hyphae group --help)
  channel create|invite|follow|unfollow|post|messages|list   one author, many readers (hyphae channel --help)
  send CONTACT TEXT  send a message (it waits in the outbox until delivered)
  send CONTACT --file PATH   send a file, end-to-end encrypted (hyphae send --help)
  files [list|accept|decline|save|limits]   files sent and offered to you (hyphae files --help)
  messages CONTACT   print a conversation
  passphrase         set, change or remove the passphrase that protects the profile
  wipe [--yes]       destroy the profile, its keys first
The messaging commands use the running daemon for the profile when there is one, and
otherwise run the node for the duration of the command.
flags for every command:
  --data-dir DIR     the profile (default $HYPHAE_HOME, else ~/.local/share/hyphae)
  --help, -h         help for a command
  --version          print the version
environment:
  HYPHAE_HOME        the profile directory
  HYPHAE_PASSPHRASE  the passphrase of an encrypted identity key`

type Command = (args: string[], io: Io) => Promise<number>

/**
 * Each command's module is loaded when it runs, not at start: a daemon then loads neither the
 * terminal UI, nor the QR code encoder, nor the relay's Prometheus metrics.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.ts')).initCommand,
  id: async () => (await import('./commands/id.ts')).idCommand,
  rpc: async () => (await import('./commands/rpc.ts')).rpcCommand,
  watch: async () => (await import('./commands/rpc.ts')).watchCommand,
  invite: async () => (await import('./commands/invite.ts')).inviteCommand,
  contacts: async () => (await import('./commands/contacts.ts')).contactsCommand,
  group: async () => (await import('./commands/group.ts')).groupCommand,
  channel: async () => (await import('./commands/channel.ts')).channelCommand,
  requests: async () => (await import('./commands/requests.ts')).requestsCommand,
  send: async () => (await import('./commands/messages.ts')).sendCommand,
  messages: async () => (await import('./commands/messages.ts')).messagesCommand,
  files: async () => (await import('./commands/files.ts')).filesCommand,
  tui: async () => (await import('./commands/tui.ts')).tuiCommand,
  relay: async () => (await import('./commands/relay.ts')).relayCommand,
  relays: async () => (await import('./commands/relays.ts')).relaysCommand,
  doctor: async () => (await import('./commands/doctor.ts')).doctorCommand,
  wipe: async () => (await import('./commands/wipe.ts')).wipeCommand,
  passphrase: async () => (await import('./commands/passphrase.ts')).passphraseCommand,
  daemon: async () => {
    const { daemonCommand } = await import('./commands/daemon.ts')
    return async (args, io) => daemonCommand(args, io, 'daemon')
  },
  start: async () => {
    const { daemonCommand } = await import('./commands/daemon.ts')
    return async (args, io) => daemonCommand(args, io, 'start')
  }
}

/** Runs one command; returns the exit code. Every failure is one clear line on stderr. */
export async function main (argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === '--help' || command === '-h' || command === 'help') { io.out(HELP); return 0 }
    if (command === '--version' || command === '-v') { io.out(VERSION); return 0 }
    // no command, or only flags: the terminal UI
    if (command == null || command.startsWith('-')) {
      const { isTerminal, tuiCommand } = await import('./commands/tui.ts')
      if (command == null && !isTerminal()) { io.out(HELP); return 0 }
      return await tuiCommand(argv, io)
    }
    const load = COMMANDS[command]
    if (load == null) throw new UsageError(`unknown command ${JSON.stringify(command)}`)
    return await (await load())(rest, io)
  } catch (err: any) {
    if (err instanceof UsageError) {
      io.err(`hyphae: ${err.message} (see hyphae --help)`)
      return 2
    }
    // an error may quote what a peer sent (a nickname, a refusal): shown, never obeyed
    io.err(`hyphae: ${sanitize(String(err?.message ?? err))}`)
    if (process.env.HYPHAE_DEBUG != null) io.err(String(err?.stack))
    return 1
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await main(process.argv.slice(2))
  await flushed()
  process.exit(code)
}
