import { NODE_OPTIONS, parseCommand, UsageError } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { EventQueue } from '../events.ts'
import { formatConversation, statusWords } from '../words.ts'
import type { MessengerEvents } from '../../node/messenger.ts'
import { terminalJson } from '../tui/format.ts'
import type { Io } from '../io.ts'

const SEND_HELP = `usage: hyphae send CONTACT TEXT [--reply-to MESSAGE-ID] [--wait SECONDS]
       hyphae send CONTACT --file PATH [--wait SECONDS] [--json]

Queues the message in the outbox (it survives restarts) and waits up to --wait seconds
(default 10) for the contact to store it. Without a running daemon the node runs only for the
command: a message to an offline contact then stays in the outbox until the next run.

--file offers the file (end-to-end encrypted, up to 4 GiB); the contact fetches it from you
once they accept it. Without a daemon the command serves it for up to --wait seconds (default
600), with progress on a terminal; a daemon serves it for as long as it runs.`

const MESSAGES_HELP = `usage: hyphae messages CONTACT [--limit N] [--before MESSAGE-ID] [--json]

Prints a conversation, oldest first. After each of your messages: queued (in your outbox),
in their mailbox (left on their relay: "sent"), delivered (they stored it), read, failed.
A reply shows the message it answers above it.`

export async function sendCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('send', args, { ...NODE_OPTIONS, 'reply-to': { type: 'string' }, wait: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' } }, 2)
  if (parsed.values.help === true) { io.out(SEND_HELP); return 0 }
  const [contact, text] = parsed.positionals
  if (contact == null || contact.trim() === '') throw new UsageError('send: missing CONTACT')
  if (parsed.values.file != null) {
    if (text != null) throw new UsageError('send: --file takes no TEXT')
    const { sendFile } = await import('./files.ts')
    return sendFile(parsed, contact, String(parsed.values.file), io)
  }
  if (text == null || text.trim() === '') throw new UsageError('send: the message is empty')
  const wait = Number(parsed.values.wait ?? 10)
  if (!Number.isFinite(wait) || wait < 0 || wait > 3600) throw new UsageError('send: --wait takes 0 to 3600 seconds')
  return withMessenger(parsed, async (messenger, viaDaemon) => {
    // listening starts before the send: a receipt faster than the send's answer is kept
    const receipts = new EventQueue<MessengerEvents, 'receipt'>(messenger, 'receipt')
    let status: string
    let id: string
    try {
      const sent = await messenger.sendMessage(contact, text, { replyTo: parsed.values['reply-to'] as string | undefined })
      id = sent.id
      status = sent.status
      if (status === 'queued') status = (await receipts.next(r => r.id === sent.id && r.status !== 'queued', wait * 1000))?.status ?? status
    } finally {
      receipts.stop()
    }
    if (status === 'queued') {
      io.out(`${id} queued: ${contact} is not reachable now; the message waits in the outbox${viaDaemon ? ' and the daemon keeps trying' : ' until hyphae runs again (keep `hyphae daemon` running to retry)'}`)
    } else {
      io.out(`${id} ${statusWords(status)}`)
    }
    return status === 'failed' ? 1 : 0
  })
}

export async function messagesCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('messages', args, { ...NODE_OPTIONS, json: { type: 'boolean' }, limit: { type: 'string' }, before: { type: 'string' } }, 1)
  if (parsed.values.help === true) { io.out(MESSAGES_HELP); return 0 }
  const [contact] = parsed.positionals
  if (contact == null) throw new UsageError('messages: missing CONTACT')
  const limit = parsed.values.limit != null ? Number(parsed.values.limit) : 50
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('messages: --limit takes 1 to 1000')
  return withMessenger(parsed, async messenger => {
    const page = await messenger.listMessages(contact, { limit, before: parsed.values.before as string | undefined })
    if (parsed.values.json === true) { io.out(terminalJson(page)); return 0 }
    if (page.length === 0) { io.out('no messages yet'); return 0 }
    for (const line of formatConversation(page, { me: 'me', them: contact })) io.out(line)
    return 0
  })
}
