const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 }

/**
 * A disappearing-messages timer as people write it: `30s`, `5m`, `1h`, `1d`, `1w`, or `off`
 * (0). Undefined when it is none of these; the node checks the bounds.
 */
export function parseTimer (text: string): number | undefined {
  const t = text.trim().toLowerCase()
  if (t === 'off' || t === '0') return 0
  const match = /^(\d{1,7})\s*([smhdw])$/.exec(t)
  if (match == null) return undefined
  return Number(match[1]) * UNITS[match[2]]
}

/** `3600` -> `1h`: the largest unit that divides it. */
export function formatTimer (seconds: number): string {
  if (seconds === 0) return 'off'
  const unit = ['w', 'd', 'h', 'm', 's'].find(u => seconds % UNITS[u] === 0) ?? 's'
  return `${seconds / UNITS[unit]}${unit}`
}
