import { addressOf, waitFor } from '../fixtures/index.ts'
import type { HyphaeMessenger } from '../../node/hyphae-messenger.ts'
import type { GroupInfo, GroupMessageRecord } from '../../node/messenger.ts'

/**
 * nodes[0] creates a group and every other node joins with its invite (which lists nodes[0]'s
 * addresses, so joining dials it). Resolves once every node counts every member.
 */
export async function formGroup (nodes: HyphaeMessenger[], name = 'friends', timeout = 30_000): Promise<GroupInfo> {
  const group = await nodes[0].createGroup(name)
  const invite = await nodes[0].groupInvite(group.id)
  for (const node of nodes.slice(1)) await node.joinGroup(invite)
  await waitFor(async () => {
    for (const node of nodes) {
      const members = await node.groupMembers(group.id)
      if (members.filter(m => m.state === 'member').length !== nodes.length) return false
    }
    return true
  }, {
    timeout,
    message: () => `all ${nodes.length} nodes to see ${nodes.length} members`
  })
  return group
}

/** The bodies of a group's text messages as the node has stored them, in order. */
export async function texts (node: HyphaeMessenger, group: string): Promise<string[]> {
  const page = await node.listGroupMessages(group, { limit: 1000 })
  return page.filter(m => m.kind === 'text').map(m => m.body)
}

/** Every 'group:message' event of a node, from now on. */
export function recordEvents (node: HyphaeMessenger): GroupMessageRecord[] {
  const events: GroupMessageRecord[] = []
  node.addEventListener('group:message', evt => { events.push(evt.detail) })
  return events
}

/** Dials b from a. */
export async function link (a: HyphaeMessenger, b: HyphaeMessenger): Promise<void> {
  await a.connect(addressOf(b))
}

/** Waits until each of `nodes` holds a post or message with this text in `group` (a channel too). */
export async function everyoneHas (nodes: HyphaeMessenger[], channel: string, text: string): Promise<void> {
  await waitFor(async () => {
    for (const node of nodes) if (!(await texts(node, channel)).includes(text)) return false
    return true
  }, { timeout: 30_000, message: `every follower to get "${text}"` })
}
