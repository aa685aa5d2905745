import { isIdentityEncrypted, identityExists } from '../node/identity.ts'

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

/** The passphrase to open an existing profile: HYPHAE_PASSPHRASE, else a prompt when the key is encrypted. */
export async function passphraseFor (dataDir: string): Promise<string | undefined> {
  const env = process.env.HYPHAE_PASSPHRASE
  if (env != null && env !== '') return env
  if (!(await identityExists(dataDir)) || !(await isIdentityEncrypted(dataDir))) return undefined
  if (!canPrompt()) return undefined // loadIdentity then says a passphrase is required
  return promptHidden('Passphrase: ')
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
