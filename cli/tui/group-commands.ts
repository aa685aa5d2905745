import { holdsPasted } from '../../node/pasted-text.ts'
import { shortPeerId } from './format.ts'
import type { Command } from './commands.ts'
import type { OverlayLine } from './components/Overlay.tsx'
import type { CommandContext } from './hooks/use-commands.ts'
import type { Conversation } from './hooks/use-conversations.ts'
import type { GroupMemberInfo, Messenger } from '../../node/messenger.ts'

export type GroupCommand = Extract<Command, { name: 'group-new' | 'group-invite' | 'join' | 'leave' | 'remove' | 'members' }>

/** The open conversation when it is a group, or a notice saying what to open. */
function needGroup (ctx: CommandContext, what: string): Conversation | undefined {
  const c = ctx.active
  if (c?.kind === 'group') return c
  ctx.notify({ tone: 'error', text: `open a group first: ${what} (Tab to switch)` })
  return undefined
}

/** A member by nickname, peer id, or the tail of one (as the screen shows it). */
export function findMember (members: GroupMemberInfo[], ref: string): GroupMemberInfo | string {
  const wanted = ref.trim().replace(/^…/, '')
  const candidates = members.filter(m => !m.me && m.state === 'member')
  const exact = candidates.filter(m => m.peerId === wanted || m.nickname === wanted)
  const found = exact.length > 0 ? exact : candidates.filter(m => wanted.length >= 4 && m.peerId.endsWith(wanted))
  if (found.length === 1) return found[0]
  if (found.length > 1) return `more than one member is called ${JSON.stringify(ref)}: use the peer id (/members lists them)`
  return `no member ${JSON.stringify(ref)} in this group (/members lists them)`
}

export function memberLines (members: GroupMemberInfo[]): OverlayLine[] {
  const order = { member: 0, left: 1, removed: 2 }
  const sorted = [...members].sort((a, b) => order[a.state] - order[b.state] || (a.nickname || a.peerId).localeCompare(b.nickname || b.peerId))
  return sorted.map(m => {
    const mark = m.me ? '●' : m.online ? '●' : '○'
    const roles = [m.me ? 'you' : '', m.admin ? 'admin' : '', m.state !== 'member' ? m.state : ''].filter(r => r !== '').join(', ')
    return {
      text: `${mark} ${m.nickname !== '' ? m.nickname : '(no name yet)'}  ${shortPeerId(m.peerId)}${roles !== '' ? `  (${roles})` : ''}`,
      color: m.state !== 'member' ? 'gray' : m.me || m.online ? 'green' : undefined,
      dim: m.state !== 'member'
    }
  })
}

async function contactPeerId (messenger: Messenger, ref: string): Promise<{ peerId: string, nickname: string } | string> {
  const contacts = (await messenger.listContacts()).filter(c => c.state === 'contact' && (c.nickname === ref || c.peerId === ref))
  if (contacts.length === 1) return contacts[0]
  return contacts.length === 0 ? `no contact ${JSON.stringify(ref)}: invite contacts you have added` : `more than one contact is called ${JSON.stringify(ref)}: use the peer id`
}

const GROUP_INVITE = /hyphae:\/\/group\/\S+/

/** The newest group invite a contact sent in the open conversation (what /join with no invite joins). */
async function inviteInConversation (ctx: CommandContext): Promise<string | undefined> {
  const c = ctx.active
  if (c == null || c.kind === 'group') {
    ctx.notify({ tone: 'error', text: 'usage: /join INVITE, or /join in the conversation where a contact sent you one' })
    return undefined
  }
  const recent = await ctx.messenger.listMessages(c.id, { limit: 200 })
  for (let i = recent.length - 1; i >= 0; i--) {
    const found = recent[i].direction === 'in' ? GROUP_INVITE.exec(recent[i].body) : null
    if (found != null) return found[0]
  }
  ctx.notify({ tone: 'error', text: `${c.title} has not sent you a group invite lately: /join INVITE` })
  return undefined
}

/** Runs /group new, /group invite, /join, /leave, /remove and /members. */
export async function runGroupCommand (command: GroupCommand, ctx: CommandContext): Promise<void> {
  const { messenger, reload, select, notify, open } = ctx
  switch (command.name) {
    case 'group-new': {
      const g = await messenger.createGroup(command.groupName)
      await reload()
      select(g.id)
      notify({ tone: 'info', text: `created ${g.name}: /group invite CONTACT sends them the invite` })
      return
    }
    case 'join': {
      const invite = command.invite ?? await inviteInConversation(ctx)
      if (invite == null) return
      if (holdsPasted(invite, 'hyphae://channel/')) {
        const c = await messenger.followChannel(invite)
        await reload()
        select(c.id)
        notify({ tone: 'info', text: `following ${c.name}: earlier posts arrive from whoever follows it` })
        return
      }
      const g = await messenger.joinGroup(invite)
      await reload()
      select(g.id)
      notify({ tone: 'info', text: `joined ${g.name}: what members wrote before arrives from those online` })
      return
    }
    case 'group-invite': {
      const c = needGroup(ctx, '/group invite')
      if (c == null) return
      const invite = await messenger.groupInvite(c.id)
      if (command.member == null) {
        open({
          kind: 'info',
          title: `invite to ${c.title}`,
          lines: [
            'Whoever holds this invite can read the group and write to it:',
            'hand it over privately (/group invite CONTACT sends it end-to-end encrypted).',
            '',
            { text: invite, color: 'green' }
          ]
        })
        return
      }
      const to = await contactPeerId(messenger, command.member)
      if (typeof to === 'string') { notify({ tone: 'error', text: to }); return }
      await messenger.sendMessage(to.peerId, `Join my group "${c.group?.name ?? c.title}" on hyphae: /join ${invite}`)
      notify({ tone: 'info', text: `sent ${to.nickname} the invite to ${c.title} (as a direct message)` })
      return
    }
    case 'leave': {
      const c = needGroup(ctx, '/leave')
      if (c == null) return
      const g = await messenger.leaveGroup(c.id)
      await reload()
      notify({ tone: 'info', text: `you left ${g.name}; its history stays here` })
      return
    }
    case 'remove': {
      const c = needGroup(ctx, '/remove MEMBER')
      if (c == null) return
      if (c.group?.isAdmin !== true) { notify({ tone: 'error', text: `only the admin of ${c.title} removes members` }); return }
      if (c.group.channel === true) {
        await messenger.revokeChannelEditor(c.id, command.member)
        await reload()
        notify({ tone: 'info', text: `revoked editor ${shortPeerId(command.member)}: followers of ${c.title} refuse their posts from now on` })
        return
      }
      const member = findMember(await messenger.groupMembers(c.id), command.member)
      if (typeof member === 'string') { notify({ tone: 'error', text: member }); return }
      const g = await messenger.removeGroupMember(c.id, member.peerId)
      await reload()
      notify({ tone: 'info', text: `removed ${member.nickname !== '' ? member.nickname : shortPeerId(member.peerId)}; ${g.name} moved to a new key they do not have` })
      return
    }
    case 'members': {
      const c = needGroup(ctx, '/members')
      if (c == null) return
      const members = await messenger.groupMembers(c.id)
      const count = members.filter(m => m.state === 'member').length
      open({ kind: 'info', title: `${c.title}: ${count} member${count === 1 ? '' : 's'}`, lines: memberLines(members) })
    }
  }
}
