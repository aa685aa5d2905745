import { parseArgs, type ParseArgsConfig } from 'node:util'

export class UsageError extends Error {
  static name = 'UsageError'
  name = 'UsageError'
}

type Options = NonNullable<ParseArgsConfig['options']>

/** Flags every command takes. */
export const PROFILE_OPTIONS: Options = {
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
}

/** Flags of every command that runs a node. */
export const NODE_OPTIONS: Options = {
  ...PROFILE_OPTIONS,
  listen: { type: 'string', multiple: true },
  bootstrap: { type: 'string', multiple: true },
  'no-mdns': { type: 'boolean' },
  censored: { type: 'boolean' },
  'dht-server': { type: 'boolean' },
  proxy: { type: 'string' },
  onion: { type: 'string' }
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

/** Strict parsing: an unknown flag or a missing value is a UsageError naming the command. */
export function parseCommand (command: string, args: string[], options: Options, maxPositionals = 0): Parsed {
  let parsed
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (err: any) {
    throw new UsageError(`${command}: ${String(err.message).replace(/\. To specify a positional argument.*$/s, '')}`)
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`${command}: unexpected argument ${JSON.stringify(parsed.positionals[maxPositionals])}`)
  }
  return parsed as Parsed
}

export function stringList (value: unknown): string[] | undefined {
  if (value == null) return undefined
  return (Array.isArray(value) ? value : [value]).flatMap(v => String(v).split(',')).map(v => v.trim()).filter(v => v !== '')
}

/**
 * Moves every word that is not one of `options` after `--`, so pasted text (an invite in
 * pieces, which may start with `-`) is read as positionals rather than refused as flags.
 */
export function pastedAfterFlags (args: string[], options: Options): string[] {
  const flags: string[] = []
  const words: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] : undefined
    const short = arg.length === 2 && arg.startsWith('-') ? Object.keys(options).find(k => options[k].short === arg[1]) : undefined
    const option = name != null && name !== '' ? options[name] : short != null ? options[short] : undefined
    if (option == null) { words.push(arg); continue }
    flags.push(arg)
    if (option.type === 'string' && !arg.includes('=') && i + 1 < args.length) flags.push(args[++i])
  }
  return [...flags, '--', ...words]
}
