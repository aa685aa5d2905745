import { useEffect, useState, type JSX } from 'react'
import { Box, Text, useInput, useStdout } from 'ink'
import QRCode from 'qrcode'
import { Overlay, type OverlayLine } from './Overlay.tsx'
import { width as cells, wrap } from '../format.ts'
import type { IdentityInfo, Messenger } from '../../../node/messenger.ts'

export interface InviteOverlayProps {
  messenger: Messenger
  width: number
  height: number
  onClose: () => void
  /** the first screen after the profile was created */
  welcome?: boolean
}

/** Your invite string, its QR code and how to add a contact. */
export function InviteOverlay ({ messenger, width, height, onClose, welcome = false }: InviteOverlayProps): JSX.Element {
  const { stdout } = useStdout()
  const [id, setId] = useState<IdentityInfo>()
  const [qr, setQr] = useState<string[]>([])
  const [error, setError] = useState<string>()
  const [copied, setCopied] = useState(false)
  // the invite alone, unframed: a mouse selection then brings no borders or other text
  const [plain, setPlain] = useState(false)

  useEffect(() => {
    let live = true
    void (async () => {
      try {
        const info = await messenger.id()
        const code = await QRCode.toString(info.invite, { type: 'terminal', small: true, errorCorrectionLevel: 'L' })
        if (!live) return
        setId(info)
        setQr(code.split('\n').filter(l => cells(l) > 0))
      } catch (err: any) {
        if (live) setError(err?.message ?? String(err))
      }
    })()
    return () => { live = false }
  }, [messenger])

  const textWidth = Math.max(10, width - 4)
  const lines: OverlayLine[] = []
  if (welcome) {
    lines.push({ text: `Welcome${id?.nickname != null && id.nickname !== '' ? `, ${id.nickname}` : ''}. Your identity is ready.`, bold: true })
    lines.push(`Your peer id is ${id?.peerId ?? '…'}`, '')
  }
  if (error != null) lines.push({ text: `cannot make the invite: ${error}`, color: 'red' })
  else if (id == null) lines.push({ text: 'making your invite…', dim: true })
  else {
    lines.push({ text: 'your invite:', bold: true })
    // one unbroken string, cut only where the panel ends
    lines.push(...wrap(id.invite, textWidth).map(text => ({ text, color: 'green', raw: true })))
    lines.push('',
      'Give it to someone you trust. They add you with',
      '  /add INVITE NICK        (or: hyphae contacts add INVITE)',
      'To add them, paste their invite here the same way. Then compare safety numbers with /verify.',
      '')
    const qrWidth = Math.max(0, ...qr.map(l => cells(l)))
    if (qrWidth <= textWidth) lines.push({ text: 'the same invite as a QR code:', dim: true }, ...qr.map(text => ({ text, raw: true })))
    else lines.push({ text: `(widen the terminal to ${qrWidth + 4} columns to see the QR code)`, dim: true })
  }

  useInput((input, key) => {
    if (key.escape || input === 'c' || input === 'q') setPlain(false)
  }, { isActive: plain })

  if (plain && id != null) {
    return (
      <Box flexDirection='column' width={width} height={height}>
        <Text>Your invite, unframed: select all of its lines with the mouse and paste them into /add.</Text>
        <Text> </Text>
        {wrap(id.invite, Math.max(10, width)).map((text, i) => <Text key={i} wrap='truncate'>{text}</Text>)}
        <Text> </Text>
        <Text dimColor>c or Esc: back to the framed view</Text>
      </Box>
    )
  }

  const onKey = (input: string): boolean => {
    if (input === 'c' && id != null) { setPlain(true); return true }
    if (input !== 'y' || id == null) return false
    // OSC 52: the terminal puts it on the clipboard, where the terminal allows it
    stdout.write(`\x1b]52;c;${Buffer.from(id.invite).toString('base64')}\x07`)
    setCopied(true)
    return true
  }

  const footer = copied ? 'copied to the clipboard (if your terminal allows OSC 52) · c unframed · Esc closes' : 'y copies · c shows it unframed, to select with the mouse · Esc closes'
  return <Overlay title={welcome ? 'hyphae: your new identity' : 'invite'} lines={lines} width={width} height={height} onClose={onClose} onKey={onKey} footer={footer} />
}
