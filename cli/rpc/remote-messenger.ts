import { TypedEventEmitter } from 'main-event'
import { RpcSession } from './session.ts'
import type {
  ContactInfo, ContactSummary, DoctorReport, GroupInfo, GroupMemberInfo, GroupMessageRecord, GroupSendResult, IdentityInfo,
  MessageRecord, MessageRequest, Messenger, MessengerEvents, NodeStatus, RelayInfo, SendResult, Settings
} from '../../node/messenger.ts'

/** JSON-RPC notifications, as Messenger events */
const EVENTS: Record<string, (params: any) => [keyof MessengerEvents, unknown]> = {
  message: p => ['message', p],
  receipt: p => ['receipt', p],
  'group.message': p => ['group:message', p],
  'group.receipt': p => ['group:receipt', p],
  'peer.connect': p => ['peer:connect', p.peerId],
  'peer.disconnect': p => ['peer:disconnect', p.peerId]
}

/**
 * The Messenger of a running `hyphae daemon`, over its JSON-RPC socket: what lets the terminal
 * UI attach to the node a bot or a script is already driving. `stop()` detaches; the daemon
 * keeps running.
 */
export class RemoteMessenger extends TypedEventEmitter<MessengerEvents> implements Messenger {
  readonly peerId: string
  private readonly session: RpcSession

  private constructor (session: RpcSession, peerId: string) {
    super()
    this.session = session
    this.peerId = peerId
    session.onNotification = (method, params) => {
      const map = EVENTS[method]
      if (map == null) return
      const [type, detail] = map(params)
      this.safeDispatchEvent(type, { detail } as any)
    }
  }

  /** Connects to the daemon on `path` and subscribes to its events. */
  static async attach (path: string): Promise<RemoteMessenger> {
    const session = await RpcSession.open(path)
    try {
      const id = await session.call('id')
      const messenger = new RemoteMessenger(session, id.peerId)
      await session.call('subscribe')
      return messenger
    } catch (err) {
      session.close()
      throw err
    }
  }

  /** true once the daemon went away (or after stop) */
  get detached (): boolean {
    return this.session.isClosed
  }

  set onDetach (fn: () => void) {
    this.session.onClose = fn
  }

  private async call<T> (method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.session.call(method, params)
  }

  async id (): Promise<IdentityInfo> { return this.call('id') }
  async status (): Promise<NodeStatus> { return this.call('status') }
  async setNickname (nickname: string): Promise<void> { await this.call('nickname.set', { nickname }) }
  async findPeer (peerId: string): Promise<string[]> { return (await this.call<{ addresses: string[] }>('peers.find', { peerId })).addresses }
  async connect (target: string): Promise<void> { await this.call('peers.connect', { target }) }

  async addContact (invite: string, nickname?: string): Promise<ContactInfo> { return this.call('contacts.add', { invite, nickname }) }
  async renameContact (contact: string, nickname: string): Promise<ContactInfo> { return this.call('contacts.rename', { contact, nickname }) }
  async removeContact (contact: string): Promise<ContactInfo> { return this.call('contacts.remove', { contact }) }
  async blockContact (contact: string): Promise<ContactInfo> { return this.call('contacts.block', { contact }) }
  async listContacts (): Promise<ContactSummary[]> { return this.call('contacts.list') }
  async listRequests (): Promise<MessageRequest[]> { return this.call('requests.list') }
  async acceptRequest (contact: string): Promise<ContactInfo> { return this.call('requests.accept', { contact }) }

  async sendMessage (contact: string, text: string, options: { replyTo?: string } = {}): Promise<SendResult> { return this.call('messages.send', { contact, text, replyTo: options.replyTo }) }
  async listMessages (contact: string, options: { limit?: number, before?: string } = {}): Promise<MessageRecord[]> { return this.call('messages.list', { contact, ...options }) }
  async markRead (contact: string): Promise<string[]> { return (await this.call<{ read: string[] }>('messages.read', { contact })).read }
  async outboxSize (): Promise<number> { return (await this.call<{ outbox: number }>('outbox.size')).outbox }
  async doctor (): Promise<DoctorReport> { return this.call('doctor') }
  async settings (): Promise<Settings> { return this.call('settings.get') }
  async updateSettings (change: Partial<Settings>): Promise<Settings> { return this.call('settings.set', change) }
  async addRelay (line: string): Promise<RelayInfo> { return this.call('relays.add', { line }) }
  async listRelays (): Promise<RelayInfo[]> { return this.call('relays.list') }
  async removeRelay (which: string): Promise<RelayInfo[]> { return this.call('relays.remove', { relay: which }) }

  async createGroup (name: string): Promise<GroupInfo> { return this.call('groups.create', { name }) }
  async groupInvite (group: string): Promise<string> { return (await this.call<{ invite: string }>('groups.invite', { group })).invite }
  async joinGroup (invite: string): Promise<GroupInfo> { return this.call('groups.join', { invite }) }
  async leaveGroup (group: string): Promise<GroupInfo> { return this.call('groups.leave', { group }) }
  async removeGroupMember (group: string, member: string): Promise<GroupInfo> { return this.call('groups.remove', { group, member }) }
  async listGroups (): Promise<GroupInfo[]> { return this.call('groups.list') }
  async groupMembers (group: string): Promise<GroupMemberInfo[]> { return this.call('groups.members', { group }) }
  async sendGroupMessage (group: string, text: string): Promise<GroupSendResult> { return this.call('groups.send', { group, text }) }
  async listGroupMessages (group: string, options: { limit?: number, before?: string } = {}): Promise<GroupMessageRecord[]> { return this.call('groups.messages', { group, ...options }) }
  async markGroupRead (group: string): Promise<void> { await this.call('groups.read', { group }) }

  /** Detaches from the daemon, which keeps running. */
  async stop (): Promise<void> {
    this.session.close()
  }
}
