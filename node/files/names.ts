import { open } from 'node:fs/promises'
import { join } from 'node:path'

const MAX_NAME_BYTES = 200
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
// C0 and C1 controls, DEL, and the format characters that reorder or hide text (bidi, zero width)
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g

/**
 * A file name from the network made safe to create: the last path segment only (both `/` and
 * `\` separate), no control or bidi characters, none of `<>:"|?*`, no leading dots or trailing
 * dots and spaces (no hidden file, no `..`), not a reserved Windows device name, at most 200
 * bytes of UTF-8. What is left empty becomes `file`.
 */
export function sanitizeFileName (name: string): string {
  let safe = String(name).normalize('NFC').replace(UNSAFE, '')
  safe = safe.split(/[/\\]/).pop() ?? ''
  safe = safe.replace(/[<>:"|?*]/g, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '')
  if (WINDOWS_RESERVED.test(safe)) safe = `_${safe}`
  while (Buffer.byteLength(safe) > MAX_NAME_BYTES) {
    const dot = safe.lastIndexOf('.')
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : ''
    safe = [...safe.slice(0, safe.length - ext.length)].slice(0, -1).join('') + ext
  }
  return safe === '' ? 'file' : safe
}

/** Creates `dir/name`, or `name (1).ext`, `name (2).ext`... when taken; returns the path made (empty, reserved). */
export async function reserveName (dir: string, name: string, maxTries = 1000): Promise<string> {
  const dot = name.lastIndexOf('.')
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, '']
  for (let i = 0; i < maxTries; i++) {
    const path = join(dir, i === 0 ? name : `${stem} (${i})${ext}`)
    try {
      await (await open(path, 'wx', 0o600)).close()
      return path
    } catch (err: any) {
      if (err.code !== 'EEXIST') throw err
    }
  }
  throw new Error(`no free name for ${name} in ${dir}`)
}
