import { checkPassphrase, isIdentityEncrypted, identityExists } from '../node/identity.ts'
import { PassphraseRequiredError, WrongPassphraseError } from '../node/errors.ts'

/** Reads a line from the terminal without echoing it. */
export async function promptHidden (question: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(question)
  return new Promise((resolve, reject) => {
    let value = ''
    stdin.setRawMode(true)
    stdin.resume()
    stdin.setEncoding('utf8')
    const finish = (err?: Error): void => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (err != null) reject(err)
      else resolve(value)
    }
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') { finish(); return }
        if (ch === '\u0003') { finish(new Error('cancelled')); return }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1)
        else value += ch
      }
    }
    stdin.on('data', onData)
  })
}

export function canPrompt (): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true
}

/** How many times the prompt asks before giving up, as sudo does. */
export const PASSPHRASE_TRIES = 3

export interface PassphrasePrompt {
  ask: (question: string) => Promise<string>
  /** told after a wrong try */
  say: (line: string) => void
  canAsk: boolean
}

const terminalPrompt = (): PassphrasePrompt => ({ ask: promptHidden, say: line => { process.stderr.write(line + '\n') }, canAsk: canPrompt() })

/**
 * The passphrase to open an existing profile: HYPHAE_PASSPHRASE, else a prompt naming the
 * profile when the key is encrypted, checked here so a typo costs a retry, not the command.
 */
export async function passphraseFor (dataDir: string, prompt: PassphrasePrompt = terminalPrompt()): Promise<string | undefined> {
  const env = process.env.HYPHAE_PASSPHRASE
  if (env != null && env !== '') return env
  if (!(await identityExists(dataDir)) || !(await isIdentityEncrypted(dataDir))) return undefined
  if (!prompt.canAsk) return undefined // opening the profile then says a passphrase is required
  for (let attempt = 1; ; attempt++) {
    const passphrase = await prompt.ask(`Passphrase for the profile at ${dataDir}: `)
    try {
      await checkPassphrase(dataDir, passphrase)
      return passphrase
    } catch (err) {
      const wrong = err instanceof WrongPassphraseError || err instanceof PassphraseRequiredError
      if (!wrong || attempt >= PASSPHRASE_TRIES) throw err
      prompt.say(`wrong passphrase, try again (${PASSPHRASE_TRIES - attempt} left)`)
    }
  }
}

/** The passphrase for a new identity: HYPHAE_PASSPHRASE, else asked twice on a terminal (empty for none). */
export async function newPassphrase (ask: boolean): Promise<string | undefined> {
  const env = process.env.HYPHAE_PASSPHRASE
  if (env != null && env !== '') return env
  if (!ask || !canPrompt()) return undefined
  const first = await promptHidden('Passphrase to encrypt your key (empty for none): ')
  if (first === '') return undefined
  const second = await promptHidden('Same passphrase again: ')
  if (first !== second) throw new Error('the passphrases differ; nothing was created')
  return first
}
