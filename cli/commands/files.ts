import { resolve } from 'node:path'
import { NODE_OPTIONS, parseCommand, UsageError, type Parsed } from '../args.ts'
import { withMessenger } from '../connect.ts'
import { formatFile, progressLine } from '../words.ts'
import { sanitize, terminalJson } from '../tui/format.ts'
import type { FileInfo, FileProgress, Messenger } from '../../node/messenger.ts'
import type { Io } from '../io.ts'

const HELP = `usage: hyphae files [list] [CONTACT] [--json]
       hyphae files accept FILE [--to DIR] [--wait SECONDS] [--json]
       hyphae files decline FILE
       hyphae files save FILE PATH
       hyphae files limits CONTACT [--auto-accept MIB] [--max MIB]

FILE is a file's id (or its first digits). A file someone sends you is offered: nothing is
fetched until you accept it (or it is under their auto-accept size, off unless you set it).
Once complete it is written to --to DIR (default DATA_DIR/downloads). accept waits up to
--wait seconds (default: until complete when the node runs only for the command, 0 with a
daemon, which goes on fetching), printing progress on a terminal and a last line otherwise.
limits: offers over --max MiB from that contact are refused (default 4096, the most hyphae takes).`

const VERBS = 'list, accept, decline, save, limits'

function waitOf (value: unknown, fallback: number): number {
  const wait = value == null ? fallback : Number(value)
  if (!Number.isFinite(wait) || wait < 0 || wait > 7 * 24 * 3600) throw new UsageError('--wait takes 0 to 604800 seconds')
  return wait
}

/** Follows `id`'s progress until `done` says so or `wait` seconds pass; on a terminal, a live line on stderr. */
export async function follow (messenger: Messenger, id: string, wait: number, done: (p: FileProgress) => boolean, io: Io): Promise<FileProgress | undefined> {
  if (wait <= 0) return undefined
  const tty = process.stderr.isTTY === true
  let last: FileProgress | undefined
  return new Promise(resolve => {
    const finish = (p: FileProgress | undefined): void => {
      clearTimeout(timer)
      messenger.removeEventListener('file:progress', onProgress)
      if (tty) process.stderr.write('\n')
      resolve(p)
    }
    const onProgress = (evt: CustomEvent<FileProgress>): void => {
      if (evt.detail.id !== id) return
      last = evt.detail
      if (tty) process.stderr.write(`\r\x1b[2K${progressLine(last)}`)
      if (done(last) || last.state === 'failed') finish(last)
    }
    const timer = setTimeout(() => { finish(last) }, wait * 1000)
    messenger.addEventListener('file:progress', onProgress)
    void io
  })
}

/** `hyphae send CONTACT --file PATH`: seals and offers the file, then serves it while it waits. */
export async function sendFile (parsed: Parsed, contact: string, path: string, io: Io, options: { group?: boolean } = {}): Promise<number> {
  const json = parsed.values.json === true
  return withMessenger(parsed, async (messenger, viaDaemon) => {
    const sent = await messenger.sendFile(contact, resolve(path), options)
    // a daemon serves it for as long as it runs; a node run for this command only while it waits
    const wait = waitOf(parsed.values.wait, viaDaemon ? 0 : 600)
    const last = await follow(messenger, sent.file.id, wait, p => p.received >= p.size, io)
    const fetched = last != null && last.received >= last.size
    if (json) {
      io.out(terminalJson({ ...sent, fetched }))
    } else if (fetched) {
      io.out(`${sent.file.id.slice(0, 12)} ${sanitize(sent.file.name)}: ${options.group === true ? 'every chunk is in the group' : `${contact} has fetched it`}`)
    } else {
      io.out(`${sent.file.id.slice(0, 12)} ${sanitize(sent.file.name)} offered (message ${sent.id}): ${viaDaemon ? 'the daemon serves it until they have it' : 'they fetch it from you while hyphae runs (keep `hyphae daemon` running)'}`)
    }
    return 0
  })
}

export async function filesCommand (args: string[], io: Io): Promise<number> {
  const parsed = parseCommand('files', args, { ...NODE_OPTIONS, json: { type: 'boolean' }, to: { type: 'string' }, wait: { type: 'string' }, 'auto-accept': { type: 'string' }, max: { type: 'string' } }, 3)
  if (parsed.values.help === true) { io.out(HELP); return 0 }
  const [verb = 'list', ...rest] = parsed.positionals
  const json = parsed.values.json === true
  const show = (f: FileInfo): void => { io.out(json ? terminalJson(f) : formatFile(f)) }
  switch (verb) {
    case 'list': {
      return withMessenger(parsed, async m => {
        const files = await m.listFiles(rest[0] != null ? { contact: rest[0] } : {})
        if (json) { io.out(terminalJson(files)); return 0 }
        if (files.length === 0) { io.out('no files yet'); return 0 }
        for (const f of files) io.out(formatFile(f))
        return 0
      })
    }
    case 'accept': {
      const [file] = rest
      if (file == null) throw new UsageError('files accept: missing FILE')
      return withMessenger(parsed, async (m, viaDaemon) => {
        const wait = waitOf(parsed.values.wait, viaDaemon ? 0 : 7 * 24 * 3600)
        const accepted = await m.acceptFile(file, parsed.values.to != null ? { dir: resolve(String(parsed.values.to)) } : {})
        if (accepted.state !== 'complete') await follow(m, accepted.id, wait, p => p.state === 'complete', io)
        const now = (await m.listFiles()).find(f => f.id === accepted.id) ?? accepted
        show(now)
        return now.state === 'failed' ? 1 : 0
      })
    }
    case 'decline': {
      const [file] = rest
      if (file == null) throw new UsageError('files decline: missing FILE')
      return withMessenger(parsed, async m => { show(await m.declineFile(file)); return 0 })
    }
    case 'save': {
      const [file, path] = rest
      if (file == null || path == null) throw new UsageError('files save: FILE PATH')
      return withMessenger(parsed, async m => { show(await m.saveFile(file, resolve(path))); return 0 })
    }
    case 'limits': {
      const [contact] = rest
      if (contact == null) throw new UsageError('files limits: missing CONTACT')
      const mib = (name: string): number | undefined => {
        const v = parsed.values[name]
        if (v == null) return undefined
        const n = Number(v)
        if (!Number.isFinite(n) || n < 0 || n > 4096) throw new UsageError(`files limits: --${name} takes 0 to 4096 MiB`)
        return Math.round(n * 1024 * 1024)
      }
      return withMessenger(parsed, async m => {
        const limits = await m.setFileLimits(contact, { autoAccept: mib('auto-accept'), maxSize: mib('max') })
        io.out(json ? terminalJson(limits) : `${limits.peerId}: auto-accept up to ${limits.autoAccept} bytes, refuse over ${limits.maxSize} bytes`)
        return 0
      })
    }
    default:
      throw new UsageError(`files: unknown verb ${JSON.stringify(verb)} (${VERBS})`)
  }
}
