/** Ids, invites and pages as the fake node makes them (the TUI never parses peer ids). */

export const INVITE_PREFIX = 'hyphae://invite/'

/** What the store's paging does: `limit` (50, at most 1000) messages ending before `before`. */
export function pageOf<T extends { id: string }> (list: T[], options: { limit?: number, before?: string } = {}): T[] {
  const limit = Math.max(1, Math.min(options.limit ?? 50, 1000))
  let end = list.length
  if (options.before != null) {
    const at = list.findIndex(m => m.id === options.before)
    if (at >= 0) end = at
  }
  return list.slice(Math.max(0, end - limit), end)
}

let counter = 0
/** A peer id that looks like one (the TUI never parses them). */
export function fakePeerId (tag: string): string {
  // the tail is what the UI shows of a peer id: make it unique
  return `12D3KooW${tag}${'x'.repeat(44)}`.slice(0, 44) + `P${(++counter).toString().padStart(7, '0')}`
}

/** How many fake peer ids were made: what the fake's safety numbers vary with. */
export function fakeIdsMade (): number {
  return counter
}

/** A fake invite: `hyphae://invite/<peerId>#<nickname>` */
export function fakeInvite (peerId: string, nickname: string): string {
  return `${INVITE_PREFIX}${peerId}#${nickname}`
}
