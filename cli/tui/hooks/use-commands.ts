import { useCallback } from 'react'
import { parseCommand, type Command } from '../commands.ts'
import { reachabilityLabel } from '../format.ts'
import { runGroupCommand } from '../group-commands.ts'
import type { OverlayLine } from '../components/Overlay.tsx'
import type { Notice } from '../components/NoticeLine.tsx'
import type { Conversation } from './use-conversations.ts'
import type { ContactInfo, Messenger } from '../../../node/messenger.ts'
import { formatTimer } from '../../duration.ts'
import { formatBytes } from '../../words.ts'
import { homedir } from 'node:os'
import { resolve as resolvePath } from 'node:path'

function expandHome (path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path
}

export type OverlayState =
  | { kind: 'help' }
  | { kind: 'invite', welcome: boolean }
  | { kind: 'info', title: string, lines: OverlayLine[] }

export interface CommandContext {
  messenger: Messenger
  active?: Conversation
  reload: () => Promise<void>
  select: (id: string) => void
  notify: (notice: Notice) => void
  open: (overlay: OverlayState) => void
  quit: () => void
  setSelfName: (name: string) => void
}


/** The safety number in rows of four groups, easy to read aloud. */
export function safetyLines (safetyNumber: string): string[] {
  const groups = safetyNumber.split(' ')
  const lines: string[] = []
  for (let i = 0; i < groups.length; i += 4) lines.push('  ' + groups.slice(i, i + 4).join('  '))
  return lines
}

async function findContact (messenger: Messenger, peerId: string): Promise<ContactInfo | undefined> {
  const [contacts, requests] = await Promise.all([messenger.listContacts(), messenger.listRequests()])
  return [...contacts, ...requests].find(c => c.peerId === peerId)
}

async function doctorLines (messenger: Messenger): Promise<OverlayLine[]> {
  const [d, s, settings] = await Promise.all([messenger.doctor(), messenger.status(), messenger.settings()])
  const lines: OverlayLine[] = [
    { text: d.verdict, bold: true, color: d.reachability === 'offline' ? 'red' : d.reachability === 'direct' ? 'green' : 'yellow' },
    '',
    `reachability   ${reachabilityLabel(d.reachability)}`,
    `NAT            ${d.nat}`,
    `connections    ${d.connections}`,
    `relays held    ${d.relays.length === 0 ? 'none' : d.relays.join(', ')}`,
    `DHT            ${s.dht.mode} mode, ${d.dhtRoutingTableSize} peers in the routing table`,
    `bootstrap      ${d.bootstrap.connected}/${d.bootstrap.configured} connected`,
    `mDNS           ${d.mdns ? 'on' : 'off'}`,
    `outbox         ${d.outbox} message${d.outbox === 1 ? '' : 's'} waiting`,
    `read receipts  ${settings.readReceipts ? 'on' : 'off'}`,
    `peer id        ${s.peerId}`,
    `nickname       ${s.nickname !== '' ? s.nickname : '(none: /nick NAME)'}`
  ]
  if (d.advice.length > 0) {
    lines.push('', { text: 'what to try', bold: true })
    lines.push(...d.advice.map(a => ({ text: `• ${a}`, color: 'yellow' })))
  }
  if (d.publicAddresses.length > 0) lines.push('', { text: 'public addresses', bold: true }, ...d.publicAddresses.map(a => `  ${a}`))
  lines.push('', { text: 'listening on', bold: true }, ...s.listenAddresses.map(a => `  ${a}`))
  if (s.peers.length > 0) {
    lines.push('', { text: 'connected to', bold: true })
    lines.push(...s.peers.map(p => `  ${p.direction === 'inbound' ? '←' : '→'} ${p.peerId}  ${p.address}`))
  }
  return lines
}

/** Runs a composer line that starts with `/`; every outcome is a notice or an overlay. */
export function useCommands (ctx: CommandContext): (line: string) => Promise<void> {
  const { messenger, active, reload, select, notify, open, quit, setSelfName } = ctx
  return useCallback(async (line: string) => {
    const parsed = parseCommand(line)
    if ('error' in parsed) { notify({ tone: 'error', text: parsed.error }); return }
    const command: Command = parsed.command
    /** the open contact or request; a group or nothing open says what to do */
    const need = (what: string): Conversation | undefined => {
      if (active == null) notify({ tone: 'error', text: `no conversation open: ${what}` })
      else if (active.kind === 'group') notify({ tone: 'error', text: `${active.title} is a group: ${what} (Tab to switch)` })
      return active?.kind === 'group' ? undefined : active
    }
    try {
      switch (command.name) {
        case 'help': open({ kind: 'help' }); return
        case 'quit': quit(); return
        case 'invite': open({ kind: 'invite', welcome: false }); return
        case 'add': {
          const c = await messenger.addContact(command.invite, command.nickname)
          await reload()
          select(c.peerId)
          notify({ tone: 'info', text: `added ${c.nickname}: say hello, and compare safety numbers with /verify` })
          // dial now so the online mark is right; delivery does not depend on it
          void messenger.connect(command.invite).catch(() => {})
          return
        }
        case 'accept': {
          const c = need('open the request to accept (marked ? in the list)')
          if (c == null) return
          if (c.kind !== 'request') { notify({ tone: 'error', text: `${c.title} is not a message request` }); return }
          const info = await messenger.acceptRequest(c.id)
          await reload()
          notify({ tone: 'info', text: `${info.nickname} is a contact now: /rename NAME to name them` })
          return
        }
        case 'block': {
          const c = need('open the conversation to block')
          if (c == null) return
          const info = await messenger.blockContact(c.id)
          await reload()
          notify({ tone: 'info', text: `blocked ${info.nickname}: nothing from them reaches you (/unblock ${info.nickname} undoes it)` })
          return
        }
        case 'unblock': {
          const blocked = (await messenger.listContacts()).filter(c => c.state === 'blocked' && (c.nickname === command.who || c.peerId === command.who))
          if (blocked.length !== 1) {
            notify({ tone: 'error', text: blocked.length === 0 ? `nobody called ${JSON.stringify(command.who)} is blocked` : `more than one ${command.who} is blocked: use the peer id` })
            return
          }
          // adding someone again is what unblocks them
          const info = await messenger.addContact(blocked[0].peerId, blocked[0].nickname)
          await reload()
          select(info.peerId)
          notify({ tone: 'info', text: `unblocked ${info.nickname}` })
          return
        }
        case 'reset': {
          const c = need('open the contact whose session to reset')
          if (c == null) return
          const info = await messenger.resetSession(c.id)
          notify({ tone: 'info', text: `secure session with ${c.title} reset: your next message starts a new one. Safety number unchanged${info.safetyNumber != null ? ` (${info.safetyNumber})` : ''}` })
          return
        }
        case 'verify': {
          const c = need('open the conversation to verify')
          if (c == null) return
          const info = await findContact(messenger, c.id)
          const lines: OverlayLine[] = info?.safetyNumber == null
            ? [`${c.title}'s key is not known yet: it comes with their invite or their first message.`]
            : [
                `Your safety number with ${info.nickname}:`,
                '',
                ...safetyLines(info.safetyNumber).map(text => ({ text, bold: true, color: 'green' })),
                '',
                `Compare it with ${info.nickname}'s screen, in person or on a call.`,
                'If the numbers match, nobody sits between you.',
                'If they differ, do not trust this conversation.',
                '',
                { text: info.peerId, dim: true }
              ]
          open({ kind: 'info', title: `verify ${c.title}`, lines })
          return
        }
        case 'nick': {
          await messenger.setNickname(command.nickname)
          setSelfName(command.nickname)
          notify({ tone: 'info', text: `your nickname is now ${command.nickname}; invites you share from now on carry it` })
          return
        }
        case 'rename': {
          const c = need('open the contact to rename')
          if (c == null) return
          const info = await messenger.renameContact(c.id, command.nickname)
          await reload()
          notify({ tone: 'info', text: `renamed ${c.title} to ${info.nickname}` })
          return
        }
        case 'timer': {
          const c = need('open the contact whose messages should disappear')
          if (c == null) return
          const { timer } = await messenger.setTimer(c.id, command.seconds)
          await reload()
          notify({ tone: 'info', text: timer === 0 ? `messages with ${c.title} are kept again (from now on)` : `messages with ${c.title} now disappear ${formatTimer(timer)} after they arrive, on both sides` })
          return
        }
        case 'file': {
          if (active?.kind === 'group') {
            notify({ tone: 'info', text: `sealing ${command.path}...` })
            const sent = await messenger.sendFile(active.id, resolvePath(expandHome(command.path)), { group: true })
            notify({ tone: 'info', text: `offered ${sent.file.name} (${formatBytes(sent.file.size)}) to ${active.title}: members fetch it from you and from each other once they accept` })
            return
          }
          const c = need('open the contact to send the file to')
          if (c == null) return
          notify({ tone: 'info', text: `sealing ${command.path}...` })
          const sent = await messenger.sendFile(c.id, resolvePath(expandHome(command.path)))
          notify({ tone: 'info', text: `offered ${sent.file.name} (${formatBytes(sent.file.size)}): ${c.title} fetches it from you once they accept` })
          return
        }
        case 'get': {
          const c = active?.kind === 'group' ? active : need('open the conversation the file was sent in')
          if (c == null) return
          const offered = (await messenger.listFiles({ contact: c.id })).filter(f => f.direction === 'in' && (command.file != null ? f.id.startsWith(command.file.toLowerCase()) : ['offered', 'failed', 'declined'].includes(f.state)))
          const file = offered.at(-1)
          if (file == null) { notify({ tone: 'error', text: command.file != null ? `no file ${command.file} from ${c.title}` : `${c.title} has offered no file to download` }); return }
          const accepted = await messenger.acceptFile(file.id)
          notify({ tone: 'info', text: `downloading ${accepted.name} (${formatBytes(accepted.size)})` })
          return
        }
        case 'doctor':
          open({ kind: 'info', title: 'doctor', lines: await doctorLines(messenger) })
          return
        case 'relay': {
          const r = await messenger.addRelay(command.line)
          notify({ tone: 'info', text: `added relay ${r.peerId.slice(-8)} (${r.tls ? 'TLS' : 'plain, not for a censored network'}${r.connected ? ', connected' : ', not connected yet'})` })
          return
        }
        case 'relays': {
          const list = await messenger.listRelays()
          open({ kind: 'info', title: 'relays', lines: list.length === 0 ? ['none added: /relay LINE adds one someone gave you'] : list.map(r => `${r.connected ? '●' : '○'} ${r.tls ? 'tls  ' : 'plain'} ${r.peerId}`) })
          return
        }
        case 'receipts': {
          if (command.on == null) {
            const s = await messenger.settings()
            notify({ tone: 'info', text: `read receipts are ${s.readReceipts ? 'on' : 'off'} (/receipts on|off)` })
            return
          }
          const s = await messenger.updateSettings({ readReceipts: command.on })
          notify({ tone: 'info', text: s.readReceipts ? 'read receipts on: contacts see when you have read their messages' : 'read receipts off: nobody is told when you read' })
          return
        }
        case 'group-new': case 'group-invite': case 'join': case 'leave': case 'remove': case 'members':
          await runGroupCommand(command, { messenger, active, reload, select, notify, open, quit, setSelfName })
      }
    } catch (err: any) {
      notify({ tone: 'error', text: err?.message ?? String(err) })
    }
  }, [messenger, active, reload, select, notify, open, quit, setSelfName])
}
