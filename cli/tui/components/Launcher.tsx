import { useEffect, useState, type JSX } from 'react'
import { Box, Text, useApp, useInput, usePaste } from 'ink'
import { App } from '../app.tsx'
import { TextPrompt } from './TextPrompt.tsx'
import { typedText, useLineEditor } from '../hooks/use-line-editor.ts'
import type { Messenger } from '../../../node/messenger.ts'

export interface LaunchProfile {
  dataDir: string
  /** an identity key is on disk */
  exists: boolean
  /** and it is encrypted with a passphrase */
  encrypted: boolean
}

export interface OpenInit {
  passphrase?: string
  nickname?: string
  create: boolean
}

export interface LauncherProps {
  profile: LaunchProfile
  /** HYPHAE_PASSPHRASE, when set: never asked for then */
  envPassphrase?: string
  /** opens (or with create, first creates) the profile and starts the node */
  open: (init: OpenInit) => Promise<Messenger>
  bell?: boolean
}

type Step =
  | { name: 'nickname', error?: string }
  | { name: 'passphrase', nickname: string, error?: string }
  | { name: 'confirm', nickname: string, passphrase: string }
  | { name: 'unlock', error?: string }
  | { name: 'opening', init: OpenInit, text: string }
  | { name: 'ready', messenger: Messenger, welcome: boolean }

export class CancelledError extends Error {
  static name = 'CancelledError'
  name = 'CancelledError'
}

function checkNickname (value: string): string | undefined {
  const v = value.trim()
  if (v === '') return 'a nickname is needed: it is how your contacts see you (you can change it later with /nick)'
  // eslint-disable-next-line no-control-regex
  if (v.length > 64 || /[\u0000-\u001f]/.test(v)) return 'a nickname is 1 to 64 printable characters'
  return undefined
}

/**
 * Everything before the main screen, inside the terminal UI: on first run a nickname and an
 * optional passphrase (asked twice, never shown), for an encrypted profile its passphrase.
 */
export function Launcher ({ profile, envPassphrase, open, bell }: LauncherProps): JSX.Element {
  const { exit } = useApp()
  const [step, setStep] = useState<Step>(() => {
    if (!profile.exists) return { name: 'nickname' }
    if (profile.encrypted && envPassphrase == null) return { name: 'unlock' }
    return { name: 'opening', init: { passphrase: envPassphrase, create: false }, text: 'starting your node…' }
  })

  useEffect(() => {
    if (step.name !== 'opening') return
    let live = true
    open(step.init).then(messenger => {
      if (live) setStep({ name: 'ready', messenger, welcome: step.init.create })
      else void messenger.stop()
    }, (err: any) => {
      if (!live) return
      if (err?.name === 'WrongPassphraseError') setStep({ name: 'unlock', error: 'wrong passphrase, try again' })
      else exit(err instanceof Error ? err : new Error(String(err)))
    })
    return () => { live = false }
  }, [step, open, exit])

  const cancel = (): void => { exit(new CancelledError(profile.exists ? 'cancelled' : 'cancelled; no identity was created')) }
  const create = (nickname: string, passphrase: string | undefined): void => {
    setStep({ name: 'opening', init: { nickname, passphrase, create: true }, text: `creating your identity${passphrase != null ? ' (encrypting the key takes a moment)' : ''}…` })
  }

  /** what Enter does at each question */
  const answer = (value: string): void => {
    switch (step.name) {
      case 'nickname': {
        const error = checkNickname(value)
        if (error != null) setStep({ name: 'nickname', error })
        else if (envPassphrase != null) create(value.trim(), envPassphrase)
        else setStep({ name: 'passphrase', nickname: value.trim() })
        return
      }
      case 'passphrase':
        if (value === '') create(step.nickname, undefined)
        else setStep({ name: 'confirm', nickname: step.nickname, passphrase: value })
        return
      case 'confirm':
        if (value === step.passphrase) create(step.nickname, value)
        else setStep({ name: 'passphrase', nickname: step.nickname, error: 'the passphrases differ; type it again' })
        return
      case 'unlock':
        setStep({ name: 'opening', init: { passphrase: value, create: false }, text: 'unlocking…' })
    }
  }

  // one editor for every question, listening from the first frame: nothing typed between two
  // questions is lost
  const editor = useLineEditor()
  const asking = step.name === 'nickname' || step.name === 'passphrase' || step.name === 'confirm' || step.name === 'unlock'
  const submit = (): void => {
    const value = editor.get()
    editor.clear()
    answer(value)
  }
  useInput((input, key) => {
    if (key.ctrl && input === 'c') { cancel(); return }
    if (!asking) return
    if (key.escape) { cancel(); return }
    if (key.return) { submit(); return }
    if (editor.edit(input, key)) return
    typedText(input, key).split(/\r\n|\r|\n/).forEach((part, i) => {
      if (i > 0) submit()
      if (part !== '') editor.insert(part)
    })
  }, { isActive: step.name !== 'ready' })
  usePaste(text => { if (asking) editor.insert(text.replace(/[\r\n]+/g, '')) }, { isActive: step.name !== 'ready' })

  if (step.name === 'ready') return <App messenger={step.messenger} welcome={step.welcome} bell={bell} />

  let body: JSX.Element
  switch (step.name) {
    case 'nickname':
      body = (
        <>
          <Text>No identity in {profile.dataDir} yet: let's create one.</Text>
          <Text> </Text>
          <TextPrompt label='Your nickname:' value={editor.value} hint='how your contacts will see you; Esc cancels' error={step.error} />
        </>
      )
      break
    case 'passphrase':
      body = <TextPrompt label='Passphrase (optional):' value='' hidden error={step.error}
        hint='encrypts your key on this disk; Enter alone for none. Without it, anyone who can read your files can be you.' />
      break
    case 'confirm':
      body = <TextPrompt label='Same passphrase again:' value='' hidden hint='there is no way to recover a forgotten passphrase' />
      break
    case 'unlock':
      body = <TextPrompt label='Passphrase:' value='' hidden hint={`unlocks the identity in ${profile.dataDir}; Esc quits`} error={step.error} />
      break
    case 'opening':
      body = <Text dimColor>{step.text}</Text>
      break
  }
  return (
    <Box flexDirection='column' paddingX={1}>
      <Text bold color='cyan'>hyphae</Text>
      <Text dimColor>a peer-to-peer messenger with no central server</Text>
      <Text> </Text>
      {body}
    </Box>
  )
}
