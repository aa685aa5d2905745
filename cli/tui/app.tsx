import { useCallback, useEffect, useMemo, useRef, useState, type JSX } from 'react'
import { Box, useApp, useInput, useStdout } from 'ink'
import { Composer } from './components/Composer.tsx'
import { ConversationHeader } from './components/ConversationHeader.tsx'
import { ConversationList } from './components/ConversationList.tsx'
import { ConversationView } from './components/ConversationView.tsx'
import { EmptyState } from './components/EmptyState.tsx'
import { HelpOverlay } from './components/HelpOverlay.tsx'
import { InviteOverlay } from './components/InviteOverlay.tsx'
import { NoticeLine, type Notice } from './components/NoticeLine.tsx'
import { Overlay } from './components/Overlay.tsx'
import { StatusBar } from './components/StatusBar.tsx'
import { isCommand } from './commands.ts'
import { firstWords, shortPeerId } from './format.ts'
import { useCommands, type OverlayState } from './hooks/use-commands.ts'
import { useConversations, type Conversation } from './hooks/use-conversations.ts'
import { useGroupMembers } from './hooks/use-group-members.ts'
import { useMessages } from './hooks/use-messages.ts'
import { useFiles } from './hooks/use-files.ts'
import { fileStatus } from '../words.ts'
import { useMessengerEvent } from './hooks/use-messenger-event.ts'
import { useTerminalSize } from './hooks/use-terminal-size.ts'
import { inTimeOrder } from '../words.ts'
import type { ChatMessage } from './chat-message.ts'
import type { Messenger } from '../../node/messenger.ts'

export interface AppProps {
  messenger: Messenger
  /** first run: open on your invite and how to add a contact */
  welcome?: boolean
  /** ring the terminal bell when a message arrives in another conversation (default true) */
  bell?: boolean
  /** a running daemon's node, over its socket (the status bar says so) */
  attached?: boolean
}

/** What the app hands back when it quits (ink's waitUntilExit resolves with it). */
export interface QuitResult {
  outbox: number
}

/** how long a notice stays in the status line */
const NOTICE_MS = 10_000
/** incoming messages in the open conversation are marked read after this pause */
const READ_DELAY_MS = 250

/** The left pane's width for a terminal width: it narrows, then collapses. */
export function listWidthFor (columns: number): number {
  if (columns < 50) return 0
  if (columns < 80) return 16
  if (columns < 110) return 22
  return 28
}

/** The main screen: conversations, the open one, the composer, the status line and bar. */
export function App ({ messenger, welcome = false, bell = true, attached = false }: AppProps): JSX.Element {
  const { exit } = useApp()
  const { stdout } = useStdout()
  const { columns, rows } = useTerminalSize()
  const [activeId, setActiveId] = useState<string>()
  const { conversations, loaded, reload, clearUnread } = useConversations(messenger, activeId)
  const active = conversations.find(c => c.id === activeId)
  const isGroup = active?.kind === 'group'
  const historyRef = useMemo(() => active == null ? undefined : { id: active.id, group: isGroup }, [active?.id, isGroup])
  const history = useMessages(messenger, historyRef)
  // a group reads in the order things happened: Lamport order can put a later join first
  const files = useFiles(messenger, active != null && !isGroup ? active.id : undefined)
  // a file's message shows its state: offered, a progress bar, where it was saved
  const shown = useMemo(() => {
    const ordered = isGroup ? inTimeOrder(history.messages) : history.messages
    if (files.size === 0) return ordered
    return ordered.map(m => {
      const f = m.file != null ? files.get(m.file.id) : undefined
      const status = f != null ? fileStatus(f) : ''
      return status === '' ? m : { ...m, body: `${m.body}  ${status}` }
    })
  }, [isGroup, history.messages, files])
  const members = useGroupMembers(messenger, isGroup ? active?.id : undefined)
  const [overlay, setOverlay] = useState<OverlayState | undefined>(welcome ? { kind: 'invite', welcome: true } : undefined)
  const [picking, setPicking] = useState(false)
  const [replyTo, setReplyTo] = useState<ChatMessage>()
  const [notice, setNotice] = useState<Notice>()
  const [selfName, setSelfName] = useState('')
  const [quitting, setQuitting] = useState(false)
  const stopping = useRef(false)

  // the open conversation left the list (blocked), or none is open yet: open the first
  if (loaded && active == null && (conversations.length > 0 || activeId != null)) setActiveId(conversations[0]?.id)

  useEffect(() => {
    let live = true
    messenger.id().then(id => { if (live) setSelfName(id.nickname) }, () => {})
    return () => { live = false }
  }, [messenger])

  useEffect(() => {
    if (notice == null) return
    const timer = setTimeout(() => { setNotice(n => n === notice ? undefined : n) }, NOTICE_MS)
    return () => { clearTimeout(timer) }
  }, [notice])

  // the conversation on screen is read (with read receipts if opted in) once it has been
  // there a moment: passing through with Tab reads nothing, an overlay hides it, and a
  // stranger's request is told nothing until it is accepted
  const openId = useRef(activeId)
  useEffect(() => { openId.current = overlay == null ? activeId : undefined }, [activeId, overlay])
  const readTimer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const markRead = useCallback((id: string, kind: Conversation['kind']) => {
    clearTimeout(readTimer.current)
    readTimer.current = setTimeout(() => {
      if (stopping.current || openId.current !== id) return
      clearUnread(id)
      if (kind === 'contact') messenger.markRead(id).catch(() => {})
      if (kind === 'group') messenger.markGroupRead(id).catch(() => {})
    }, READ_DELAY_MS)
  }, [messenger, clearUnread])
  useEffect(() => () => { clearTimeout(readTimer.current) }, [])
  const visible = overlay == null
  useEffect(() => {
    if (active != null && visible) markRead(active.id, active.kind)
  }, [active?.id, active?.kind, visible, markRead])

  /** a message from someone else arrived in `where`: read it if open, else ring and say so */
  const arrived = (where: string, text: (from: Conversation | undefined) => string): void => {
    if (where === activeId) {
      if (active != null && visible) markRead(active.id, active.kind)
      return
    }
    if (bell) stdout.write('\x07')
    setNotice({ tone: 'new', text: `${text(conversations.find(c => c.id === where))} · Tab to switch` })
  }
  useMessengerEvent(messenger, 'message', event => {
    const m = event.detail
    if (m.direction !== 'in') return
    arrived(m.conversation, from => `new message from ${from?.title ?? shortPeerId(m.conversation)}${from == null || from.kind === 'request' ? ' (message request)' : ''}`)
  })
  useMessengerEvent(messenger, 'group:message', event => {
    const m = event.detail
    if (m.direction !== 'in' || m.kind !== 'text') return
    arrived(m.group, from => `new message in ${from?.title ?? 'a group'}`)
  })

  // the request quota made room: say what went, and list the requests again (a whole one may be gone)
  useMessengerEvent(messenger, 'request:dropped', event => {
    const d = event.detail
    setNotice({ tone: 'error', text: d.whole ? `message requests are full: the oldest, from ${shortPeerId(d.peerId)}, was dropped` : `${d.messages} older message(s) from ${shortPeerId(d.peerId)} dropped (request quota)` })
    reload().catch(() => {})
  })

  const notify = useCallback((n: Notice) => { setNotice(n) }, [])
  const select = useCallback((id: string) => {
    setActiveId(id)
    setPicking(false)
    setReplyTo(undefined)
  }, [])

  const quit = useCallback(() => {
    if (stopping.current) return
    stopping.current = true
    setQuitting(true)
    setNotice({ tone: 'info', text: 'stopping the node…' })
    void (async () => {
      let outbox = 0
      try { outbox = await messenger.outboxSize() } catch {}
      try { await messenger.stop() } catch {}
      exit({ outbox } satisfies QuitResult)
    })()
  }, [messenger, exit])

  const runCommand = useCommands({ messenger, active, reload, select, notify, open: setOverlay, quit, setSelfName })

  const onSubmit = useCallback((text: string): boolean => {
    // an error is about what came before: a new action starts clean, and says if it fails too
    setNotice(n => n?.tone === 'error' ? undefined : n)
    if (isCommand(text)) { void runCommand(text); return true }
    if (active == null) { notify({ tone: 'error', text: 'no conversation open: /add INVITE NICK adds a contact' }); return false }
    if (active.kind === 'request') { notify({ tone: 'error', text: `${active.title} is a message request: /accept before replying, or /block` }); return false }
    const body = text.startsWith('//') ? text.slice(1) : text
    if (active.kind === 'group') {
      if (active.group?.state !== 'active') { notify({ tone: 'error', text: `${active.title}: you are no longer in this group` }); return false }
      messenger.sendGroupMessage(active.id, body).catch((err: any) => { notify({ tone: 'error', text: `not sent: ${err?.message ?? String(err)}` }) })
      return true
    }
    const options = replyTo != null ? { replyTo: replyTo.id } : {}
    setReplyTo(undefined)
    messenger.sendMessage(active.id, body, options).catch((err: any) => { notify({ tone: 'error', text: `not sent: ${err?.message ?? String(err)}` }) })
    return true
  }, [active, replyTo, messenger, notify, runCommand])

  const openHelp = useCallback(() => { setOverlay({ kind: 'help' }) }, [])
  const startPicking = useCallback(() => {
    if (active?.kind === 'group') { notify({ tone: 'error', text: 'replies are for direct messages; groups do not have them yet' }); return }
    if (active != null && history.messages.length > 0) setPicking(true)
  }, [active, history.messages.length, notify])
  const onPick = useCallback((m: ChatMessage | undefined) => {
    setPicking(false)
    if (m != null) setReplyTo(m)
  }, [])

  const switchBy = (delta: number): void => {
    if (conversations.length === 0) return
    // from the state the previous key left: several Tabs may arrive in one chunk
    setActiveId(id => {
      const at = conversations.findIndex(c => c.id === id)
      return conversations[(at + delta + conversations.length) % conversations.length].id
    })
    setPicking(false)
    setReplyTo(undefined)
    setNotice(n => n?.tone === 'new' ? undefined : n)
  }

  useInput((input, key) => {
    if (key.ctrl && input === 'c') { quit(); return }
    if (overlay != null || quitting) return
    if (key.tab || (key.ctrl && (input === 'n' || input === 'p'))) { switchBy(key.shift || input === 'p' ? -1 : 1); return }
    if (key.escape && !picking) { setReplyTo(undefined); setNotice(undefined) }
  })

  const listWidth = listWidthFor(columns)
  const composerHeight = replyTo != null ? 2 : 1
  const mainHeight = Math.max(3, rows - composerHeight - 2)
  const viewWidth = Math.max(10, columns - (listWidth > 0 ? listWidth + 1 : 0))
  const keysToMain = overlay == null && !quitting
  const closeOverlay = (): void => { setOverlay(undefined) }

  let main: JSX.Element
  if (overlay?.kind === 'help') main = <HelpOverlay width={columns} height={mainHeight} onClose={closeOverlay} />
  else if (overlay?.kind === 'invite') main = <InviteOverlay messenger={messenger} welcome={overlay.welcome} width={columns} height={mainHeight} onClose={closeOverlay} />
  else if (overlay?.kind === 'info') main = <Overlay title={overlay.title} lines={overlay.lines} width={columns} height={mainHeight} onClose={closeOverlay} />
  else {
    const position = listWidth === 0 && active != null
      ? { index: conversations.indexOf(active), total: conversations.length, unreadElsewhere: conversations.reduce((n, c) => c === active ? n : n + c.unread, 0) }
      : undefined
    main = (
      <Box height={mainHeight}>
        {listWidth > 0 && <ConversationList conversations={conversations} activeId={activeId} width={listWidth} height={mainHeight} />}
        {listWidth > 0 && <Box height={mainHeight} borderStyle='single' borderTop={false} borderBottom={false} borderRight={false} borderDimColor />}
        <Box flexDirection='column' width={viewWidth}>
          <ConversationHeader conversation={active} width={viewWidth} position={position}
            members={isGroup && members.members.length > 0 ? { count: members.members.filter(m => m.state === 'member').length, online: members.online } : undefined} />
          {active == null
            ? <EmptyState width={viewWidth} height={mainHeight - 1} loaded={loaded} />
            : <ConversationView key={active.id} {...history} messages={shown} width={viewWidth} height={mainHeight - 1}
                selfName={selfName !== '' ? selfName : 'you'} peerName={active.title} nameOf={isGroup ? members.nameOf : undefined}
                active={keysToMain} selecting={picking} onPick={onPick} />}
        </Box>
      </Box>
    )
  }

  const placeholder = picking ? 'pick a message with ↑↓ · Enter replies to it · Esc cancels' : active == null
    ? '/add INVITE NICK to add a contact · ? for help'
    : active.kind === 'request' ? '/accept or /block this request · ? for help'
      : active.kind === 'group' && active.group?.state !== 'active' ? 'you are no longer in this group · ? for help'
        : active.group?.channel === true && !active.group.isAdmin && active.group.editor !== true ? 'a channel you follow: read only · ? for help'
        : `message ${active.title} · ? for help`
  return (
    <Box flexDirection='column' width={columns} height={rows}>
      {main}
      <Composer width={columns} active={keysToMain && !picking} placeholder={placeholder}
        reply={replyTo != null ? { name: replyTo.direction === 'out' ? (selfName !== '' ? selfName : 'you') : active?.title ?? '', words: firstWords(replyTo.body) } : undefined}
        onSubmit={onSubmit} onHelp={openHelp} onPick={startPicking} />
      <NoticeLine notice={notice} width={columns} />
      <StatusBar messenger={messenger} width={columns} selfName={selfName} attached={attached} />
    </Box>
  )
}
