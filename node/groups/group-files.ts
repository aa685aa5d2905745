/**
 * What files need of groups: offering a file as a group message (sealed with the epoch key like
 * any text), who may fetch a group's file (its members now), and who to fetch from (the members
 * online). The files themselves are node/files/.
 */
import { isConnected } from '../net/addresses.ts'
import { active, type GroupContext } from './context.ts'
import { findGroup } from './refs.ts'
import { GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import type { GroupLedger } from './ledger.ts'
import type { GroupPubSub } from './pubsub.ts'
import type { GroupSendResult } from '../messenger.ts'
import type { GroupMessageRecord } from '../store/groups-store.ts'
import type { Libp2p } from '@libp2p/interface'

export interface GroupFilesComponents {
  libp2p: Libp2p
  pubsub: GroupPubSub
  ledger: GroupLedger
  onMessage: (record: GroupMessageRecord) => void
  /** flushes the group's outbox */
  kick: (group: string) => void
}

export class GroupFiles {
  private readonly ctx: GroupContext
  private readonly components: GroupFilesComponents

  constructor (ctx: GroupContext, components: GroupFilesComponents) {
    this.ctx = ctx
    this.components = components
  }

  /** Sends a file offer as a text message of the group (`body` its line of text), sealed with the epoch key. */
  async send (ref: string, body: string, offer: Uint8Array, summary: NonNullable<GroupMessageRecord['file']>): Promise<GroupSendResult & { group: string }> {
    const { store } = this.ctx
    const { id } = active(findGroup(await store.listGroups(), ref))
    const rec = await this.ctx.mutex.run(id, async () => {
      const fresh = active(await store.group(id))
      const { rec, ops } = await this.components.ledger.author(fresh, { kind: Kind.TEXT, body, file: offer, summary }, true)
      await store.batch(ops)
      return rec
    })
    this.components.onMessage(rec)
    this.components.kick(id)
    return { id: rec.id, status: rec.status, group: id }
  }

  /** Whether `peer` is a member of the group now (asked when it requests a group file's chunks). */
  async isMember (group: string, peer: string): Promise<boolean> {
    const { store } = this.ctx
    const record = await store.group(group)
    if (record == null || record.state !== 'active') return false
    return (await store.member(group, peer))?.state === 'member'
  }

  /** Members of the group we are connected to, or that are in our mesh for its topic. */
  async onlineMembers (group: string): Promise<string[]> {
    const { store, me } = this.ctx
    const record = await store.group(group)
    if (record == null || record.state !== 'active') return []
    const topic = this.ctx.keysOf(record).topic
    const subscribers = new Set(this.components.pubsub.getSubscribers(topic).map(p => p.toString()))
    const members = await store.listMembers(group)
    return members.filter(m => m.state === 'member' && m.peerId !== me && (subscribers.has(m.peerId) || isConnected(this.components.libp2p, m.peerId))).map(m => m.peerId)
  }
}
