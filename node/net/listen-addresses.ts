import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'

/**
 * Replaces port 0 in listen templates with the ports actually bound, so the next start listens on
 * the same ports and the addresses in invites already handed out keep working.
 */
export function stickyListen (templates: string[], bound: Multiaddr[]): string[] {
  const used = new Set<string>()
  return templates.map(template => {
    const t = multiaddr(template)
    const tc = t.getComponents()
    const tcpIndex = tc.findIndex(c => c.name === 'tcp')
    if (tcpIndex === -1 || tc[tcpIndex].value !== '0') return template
    const shape = tc.map(c => c.name).join('/')
    const match = bound.find(b => {
      const bc = b.getComponents().filter(c => c.name !== 'p2p')
      return bc.map(c => c.name).join('/') === shape && !used.has(b.toString())
    })
    if (match == null) return template
    used.add(match.toString())
    const port = match.getComponents().find(c => c.name === 'tcp')?.value ?? '0'
    return tc.map((c, i) => `/${c.name}${c.value != null ? `/${i === tcpIndex ? port : c.value}` : ''}`).join('')
  })
}
