import { hex, unhex } from '../hex.ts'
import { InvalidArgumentError } from '../errors.ts'
import { GROUP_ID_BYTES, randomBytes, SECRET_BYTES, signRekey, verifyRekey, type EpochKeys, type SignedGroupMessage } from './crypto.ts'
import { NotGroupAdminError, UnknownGroupMemberError } from './errors.ts'
import { applyNewKey, isAdmin, nextEpoch, rekeyRoster } from './membership.ts'
import { GroupControl, GroupMessageKind as Kind } from '../../protocols/group/index.ts'
import { active, type GroupContext } from './context.ts'
import type { GroupLedger } from './ledger.ts'
import type { GroupMessageRecord, GroupRecord } from '../store/groups-store.ts'
import type { BatchOp } from '../store/messages-store.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

/** The control app name of a group's direct messages (new epochs). */
export const GROUP_CONTROL_APP = 'group'

export interface GroupRekeyingComponents {
  key: PrivateKey
  ledger: GroupLedger
  /** the durable, acked, end-to-end encrypted direct path: how a new epoch reaches each member */
  sendControl: (peerId: string, app: string, data: Uint8Array) => Promise<string>
}

/**
 * New epochs. The admin removes a member by moving the group to a new secret and handing it to
 * every remaining member through the direct-message outbox; a member takes a new key only when
 * the admin signed it.
 */
export class GroupRekeying {
  private readonly ctx: GroupContext
  private readonly components: GroupRekeyingComponents

  constructor (ctx: GroupContext, components: GroupRekeyingComponents) {
    this.ctx = ctx
    this.components = components
  }

  /**
   * Admin only: signs the removal of `peerId` and stores it with the next epoch's secret and the
   * list of who still needs it, in one write (a crash before the keys are handed out resumes on
   * the next start). Returns the removal, to publish on the old epoch's topic.
   */
  async remove (id: string, peerId: string): Promise<{ next: GroupRecord, rec: GroupMessageRecord, signed: SignedGroupMessage, oldKeys: EpochKeys }> {
    const { store, me } = this.ctx
    return await this.ctx.mutex.run(id, async () => {
      const fresh = active(await store.group(id))
      if (!isAdmin(fresh, me)) throw new NotGroupAdminError(fresh.name)
      if (peerId === me) throw new InvalidArgumentError('you cannot remove yourself: leave the group instead')
      const target = await store.member(id, peerId)
      if (target == null || target.state === 'removed') throw new UnknownGroupMemberError(peerId, fresh.name)
      const oldKeys = this.ctx.keysOf(fresh)
      const { rec, signed, ops } = await this.components.ledger.author(fresh, { kind: Kind.REMOVE, body: '', subject: peerId, epoch: fresh.epoch }, false)
      const next = nextEpoch(fresh, await store.listMembers(id), peerId, me, hex(randomBytes(SECRET_BYTES)))
      await store.batch([...ops, store.groupOp(next)])
      return { next, rec, signed, oldKeys }
    })
  }

  /**
   * Admin only: after `leaver` left, moves the group to a new secret, to hand to every remaining
   * member as after a removal (a member that left keeps the old secret). Undefined when this
   * node is not the admin or the group is not active.
   */
  async rotate (id: string, leaver: string): Promise<GroupRecord | undefined> {
    const { store, me } = this.ctx
    return await this.ctx.mutex.run(id, async () => {
      const fresh = await store.group(id)
      if (fresh == null || fresh.state !== 'active' || !isAdmin(fresh, me) || leaver === me) return undefined
      const next = nextEpoch(fresh, await store.listMembers(id), leaver, me, hex(randomBytes(SECRET_BYTES)))
      await store.batch([store.groupOp(next)])
      return next
    })
  }

  /** Hands the current epoch's key to every member still waiting for it (admin only). */
  async handOut (group: string): Promise<void> {
    const { store } = this.ctx
    const record = await store.group(group)
    const pending = record?.rekeyPending ?? []
    if (record == null || pending.length === 0) return
    const rekey = await signRekey(this.components.key, {
      group: unhex(group) as Uint8Array<ArrayBuffer>,
      epoch: BigInt(record.epoch),
      secret: unhex(record.secrets[record.epoch]) as Uint8Array<ArrayBuffer>,
      ...rekeyRoster(await store.listMembers(group), this.ctx.me),
      issuedAt: BigInt(Date.now())
    })
    const data = GroupControl.encode({ rekey })
    for (const peer of pending) {
      // from here the DM outbox owns it: acked by the member, retried until then, across restarts
      await this.components.sendControl(peer, GROUP_CONTROL_APP, data)
    }
    await this.ctx.mutex.run(group, async () => {
      const fresh = await store.group(group)
      if (fresh != null && fresh.epoch === record.epoch) await store.batch([store.groupOp({ ...fresh, rekeyPending: undefined })])
    })
  }

  /**
   * The handler of the "group" control app: a new epoch from the admin, stored once verified.
   * Resolves with the group's record as it now stands (its state 'removed' when the key names us
   * removed), or nothing when the key changed nothing.
   */
  async receive (from: PeerId, data: Uint8Array): Promise<GroupRecord | undefined> {
    const { store, me } = this.ctx
    let control: GroupControl
    try {
      control = GroupControl.decode(data)
    } catch (err: any) {
      // acked anyway: a retry of the same bytes cannot do better
      this.ctx.count('undecodable group control')
      this.ctx.log('undecodable group control message from %p - %e', from, err)
      return
    }
    const rekey = control.rekey
    if (rekey == null) return
    if (rekey.group.byteLength !== GROUP_ID_BYTES || rekey.secret.byteLength !== SECRET_BYTES || rekey.epoch > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.ctx.count('malformed new key')
      return
    }
    const group = hex(rekey.group)
    return await this.ctx.mutex.run(group, async () => {
      const record = await store.group(group)
      if (record == null) return
      if (!isAdmin(record, from.toString()) || from.publicKey == null || !(await verifyRekey(rekey, from.publicKey))) {
        this.ctx.count('new key not signed by the admin')
        this.ctx.log('ignoring a new key for %s from %p, who is not its admin', group, from)
        return
      }
      const known = new Map((await store.listMembers(group)).map(m => [m.peerId, m]))
      const change = applyNewKey(record, { epoch: Number(rekey.epoch), secret: hex(rekey.secret), removed: rekey.removed, members: rekey.members }, known, me)
      if (change === 'stale') return
      if (change === 'removed') {
        const removed: GroupRecord = { ...record, state: 'removed' }
        await store.batch([store.groupOp(removed)])
        return removed
      }
      const ops: BatchOp[] = [store.groupOp(change.group), ...change.members.map(m => store.memberOp(group, m))]
      await store.batch(ops)
      return change.group
    })
  }
}
