import { InvalidArgumentError } from '../../node/errors.ts'
import type { Messenger } from '../../node/messenger.ts'
import type { RpcConnection, RpcMethod } from './socket-server.ts'

function str (params: any, name: string): string {
  const value = params?.[name]
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`param "${name}" must be a non-empty string`)
  return value
}

function optStr (params: any, name: string): string | undefined {
  return params?.[name] == null ? undefined : str(params, name)
}

function optInt (params: any, name: string): number | undefined {
  const value = params?.[name]
  if (value == null) return undefined
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`param "${name}" must be a positive integer`)
  return value
}

/** The daemon's JSON-RPC methods; each one is documented in the README. */
export function createRpcMethods (messenger: Messenger): Record<string, RpcMethod> {
  return {
    ping: () => 'pong',
    id: async () => messenger.id(),
    doctor: async () => messenger.doctor(),
    'relay.stats': async () => (messenger as { relayStats?: () => Promise<unknown> }).relayStats?.() ?? null,
    status: async () => ({ ...(await messenger.status()), outbox: await messenger.outboxSize() }),
    'outbox.size': async () => ({ outbox: await messenger.outboxSize() }),
    'nickname.set': async p => { await messenger.setNickname(str(p, 'nickname')); return {} },
    'peers.find': async p => ({ addresses: await messenger.findPeer(str(p, 'peerId')) }),
    'peers.connect': async p => { await messenger.connect(str(p, 'target')); return {} },
    'contacts.add': async p => messenger.addContact(str(p, 'invite'), optStr(p, 'nickname')),
    'contacts.list': async () => messenger.listContacts(),
    'contacts.rename': async p => messenger.renameContact(str(p, 'contact'), str(p, 'nickname')),
    'contacts.remove': async p => messenger.removeContact(str(p, 'contact')),
    'contacts.block': async p => messenger.blockContact(str(p, 'contact')),
    'requests.list': async () => messenger.listRequests(),
    'requests.accept': async p => messenger.acceptRequest(str(p, 'contact')),
    'messages.send': async p => messenger.sendMessage(str(p, 'contact'), str(p, 'text'), { replyTo: optStr(p, 'replyTo') }),
    'messages.list': async p => messenger.listMessages(str(p, 'contact'), { limit: optInt(p, 'limit'), before: optStr(p, 'before') }),
    'messages.read': async p => ({ read: await messenger.markRead(str(p, 'contact')) }),
    'settings.get': async () => messenger.settings(),
    'settings.set': async p => messenger.updateSettings(p ?? {}),
    'relays.add': async p => messenger.addRelay(str(p, 'line')),
    'relays.list': async () => messenger.listRelays(),
    'relays.remove': async p => messenger.removeRelay(str(p, 'relay')),
    'groups.create': async p => messenger.createGroup(str(p, 'name')),
    'groups.invite': async p => ({ invite: await messenger.groupInvite(str(p, 'group')) }),
    'groups.join': async p => messenger.joinGroup(str(p, 'invite')),
    'groups.leave': async p => messenger.leaveGroup(str(p, 'group')),
    'groups.remove': async p => messenger.removeGroupMember(str(p, 'group'), str(p, 'member')),
    'groups.list': async () => messenger.listGroups(),
    'groups.members': async p => messenger.groupMembers(str(p, 'group')),
    'groups.send': async p => messenger.sendGroupMessage(str(p, 'group'), str(p, 'text')),
    'groups.read': async p => { await messenger.markGroupRead(str(p, 'group')); return {} },
    'groups.messages': async p => messenger.listGroupMessages(str(p, 'group'), { limit: optInt(p, 'limit'), before: optStr(p, 'before') }),
    subscribe: (_p, connection) => subscribe(messenger, connection)
  }
}

/** After `subscribe`, this connection gets `message`, `receipt`, `group.message`, `group.receipt`, `peer.connect` and `peer.disconnect` notifications until it closes. */
function subscribe (messenger: Messenger, connection: RpcConnection): { subscribed: string[] } {
  const onMessage = (evt: CustomEvent): void => { send('message', evt.detail) }
  const onReceipt = (evt: CustomEvent): void => { send('receipt', evt.detail) }
  const onGroupMessage = (evt: CustomEvent): void => { send('group.message', evt.detail) }
  const onGroupReceipt = (evt: CustomEvent): void => { send('group.receipt', evt.detail) }
  const onPeerConnect = (evt: CustomEvent): void => { send('peer.connect', { peerId: evt.detail }) }
  const onPeerDisconnect = (evt: CustomEvent): void => { send('peer.disconnect', { peerId: evt.detail }) }
  const send = (method: string, params: unknown): void => { connection.notify(method, params) }
  messenger.addEventListener('message', onMessage)
  messenger.addEventListener('receipt', onReceipt)
  messenger.addEventListener('group:message', onGroupMessage)
  messenger.addEventListener('group:receipt', onGroupReceipt)
  messenger.addEventListener('peer:connect', onPeerConnect)
  messenger.addEventListener('peer:disconnect', onPeerDisconnect)
  connection.onClose(() => {
    messenger.removeEventListener('message', onMessage)
    messenger.removeEventListener('receipt', onReceipt)
    messenger.removeEventListener('group:message', onGroupMessage)
    messenger.removeEventListener('group:receipt', onGroupReceipt)
    messenger.removeEventListener('peer:connect', onPeerConnect)
    messenger.removeEventListener('peer:disconnect', onPeerDisconnect)
  })
  return { subscribed: ['message', 'receipt', 'group.message', 'group.receipt', 'peer.connect', 'peer.disconnect'] }
}
