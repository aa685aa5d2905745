import { InvalidArgumentError } from '../../node/errors.ts'
import type { TypedEventTarget } from '../../node/messenger.ts'
import type { Messenger, MessengerEvents } from '../../node/messenger.ts'
import type { RpcMethod } from './socket-server.ts'
import type { RpcSession } from './session.ts'

type Check = (params: any, name: string) => unknown

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

function optBytes (params: any, name: string): number | undefined {
  const value = params?.[name]
  if (value == null) return undefined
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`param "${name}" must be a number of bytes`)
  return value
}

function optBool (params: any, name: string): boolean | undefined {
  const value = params?.[name]
  if (value == null) return undefined
  if (typeof value !== 'boolean') throw new InvalidArgumentError(`param "${name}" must be true or false`)
  return value
}

function seconds (params: any, name: string): number {
  const value = params?.[name]
  if (!Number.isInteger(value) || value < 0) throw new InvalidArgumentError(`param "${name}" must be a whole number of seconds (0: off)`)
  return value
}

/** One argument of a Messenger method on the wire: a named param, an options object of named params, or all the params. */
type Arg = { param: string, check: Check } | { options: Record<string, Check> } | 'all'

const param = (name: string, check: Check = str): Arg => ({ param: name, check })
const options = (checks: Record<string, Check>): Arg => ({ options: checks })

export interface CallSpec {
  /** the JSON-RPC method */
  rpc: string
  /** the Messenger method's arguments, in order */
  args?: Arg[]
  /** the wire wraps the result in `{ [wrap]: result }`; `null`: the method returns nothing and the wire says `{}` */
  wrap?: string | null
  /** the daemon answers with this instead of the Messenger method's result */
  serve?: (messenger: Messenger) => Promise<unknown>
}

/** The Messenger methods a client calls over the socket (everything but its events, peerId and stop). */
export type CallName = Exclude<keyof Messenger, keyof TypedEventTarget<MessengerEvents> | 'peerId' | 'stop'>

/**
 * The one method table: every Messenger method and its JSON-RPC method, params and result.
 * The daemon serves it (createRpcMethods) and RemoteMessenger calls it, so the two cannot drift;
 * each method is documented in the README.
 */
export const CALLS: Record<CallName, CallSpec> = {
  id: { rpc: 'id' },
  status: { rpc: 'status', serve: async m => ({ ...(await m.status()), outbox: await m.outboxSize() }) },
  outboxSize: { rpc: 'outbox.size', wrap: 'outbox' },
  setNickname: { rpc: 'nickname.set', args: [param('nickname')], wrap: null },
  findPeer: { rpc: 'peers.find', args: [param('peerId')], wrap: 'addresses' },
  connect: { rpc: 'peers.connect', args: [param('target')], wrap: null },
  doctor: { rpc: 'doctor' },
  addContact: { rpc: 'contacts.add', args: [param('invite'), param('nickname', optStr)] },
  listContacts: { rpc: 'contacts.list' },
  renameContact: { rpc: 'contacts.rename', args: [param('contact'), param('nickname')] },
  setTimer: { rpc: 'contacts.timer', args: [param('contact'), param('seconds', seconds)] },
  resetSession: { rpc: 'contacts.resetSession', args: [param('contact')] },
  removeContact: { rpc: 'contacts.remove', args: [param('contact')] },
  blockContact: { rpc: 'contacts.block', args: [param('contact')] },
  listRequests: { rpc: 'requests.list' },
  requestDrops: { rpc: 'requests.dropped' },
  acceptRequest: { rpc: 'requests.accept', args: [param('contact')] },
  sendMessage: { rpc: 'messages.send', args: [param('contact'), param('text'), options({ replyTo: optStr })] },
  listMessages: { rpc: 'messages.list', args: [param('contact'), options({ limit: optInt, before: optStr })] },
  markRead: { rpc: 'messages.read', args: [param('contact')], wrap: 'read' },
  sendFile: { rpc: 'files.send', args: [param('contact'), param('path'), options({ group: optBool })] },
  listFiles: { rpc: 'files.list', args: [options({ contact: optStr })] },
  acceptFile: { rpc: 'files.accept', args: [param('file'), options({ dir: optStr })] },
  declineFile: { rpc: 'files.decline', args: [param('file')] },
  saveFile: { rpc: 'files.save', args: [param('file'), param('path')] },
  setFileLimits: { rpc: 'files.limits', args: [param('contact'), options({ autoAccept: optBytes, maxSize: optBytes })] },
  settings: { rpc: 'settings.get' },
  updateSettings: { rpc: 'settings.set', args: ['all'] },
  addRelay: { rpc: 'relays.add', args: [param('line')] },
  listRelays: { rpc: 'relays.list' },
  removeRelay: { rpc: 'relays.remove', args: [param('relay')] },
  createGroup: { rpc: 'groups.create', args: [param('name')] },
  groupInvite: { rpc: 'groups.invite', args: [param('group')], wrap: 'invite' },
  joinGroup: { rpc: 'groups.join', args: [param('invite')] },
  leaveGroup: { rpc: 'groups.leave', args: [param('group')] },
  removeGroupMember: { rpc: 'groups.remove', args: [param('group'), param('member')] },
  listGroups: { rpc: 'groups.list' },
  groupMembers: { rpc: 'groups.members', args: [param('group')] },
  sendGroupMessage: { rpc: 'groups.send', args: [param('group'), param('text')] },
  listGroupMessages: { rpc: 'groups.messages', args: [param('group'), options({ limit: optInt, before: optStr })] },
  markGroupRead: { rpc: 'groups.read', args: [param('group')], wrap: null },
  createChannel: { rpc: 'channels.create', args: [param('name')] },
  channelInvite: { rpc: 'channels.invite', args: [param('channel'), options({ editor: optStr })], wrap: 'invite' },
  followChannel: { rpc: 'channels.follow', args: [param('invite')] },
  unfollowChannel: { rpc: 'channels.unfollow', args: [param('channel')] },
  postChannel: { rpc: 'channels.post', args: [param('channel'), param('text')] },
  revokeChannelEditor: { rpc: 'channels.revoke', args: [param('channel'), param('editor')] },
  listChannelMessages: { rpc: 'channels.messages', args: [param('channel'), options({ limit: optInt, before: optStr })] }
}

/** The Messenger method's arguments from the params of a request, checked. */
function argsOf (spec: CallSpec, params: any): unknown[] {
  return (spec.args ?? []).map(arg => {
    if (arg === 'all') return params ?? {}
    if ('param' in arg) return arg.check(params, arg.param)
    return Object.fromEntries(Object.entries(arg.options).map(([name, check]) => [name, check(params, name)]))
  })
}

/** The params of a request from the Messenger method's arguments (the client side of argsOf). */
export function paramsOf (spec: CallSpec, args: unknown[]): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  ;(spec.args ?? []).forEach((arg, i) => {
    const value: any = args[i]
    if (arg === 'all') Object.assign(params, value)
    else if ('param' in arg) params[arg.param] = value
    else for (const name of Object.keys(arg.options)) params[name] = value?.[name]
  })
  return params
}

/** What the Messenger method returns, from the result on the wire (the client side of the wrapping). */
export function resultOf (spec: CallSpec, result: any): unknown {
  if (spec.wrap === null) return undefined
  return spec.wrap != null ? result?.[spec.wrap] : result
}

/**
 * Notifications after `subscribe`, and the Messenger events they carry: `wrap` names the one
 * field the event's detail travels in.
 */
export const NOTIFICATIONS: Record<string, { event: keyof MessengerEvents, wrap?: string }> = {
  message: { event: 'message' },
  receipt: { event: 'receipt' },
  'request.dropped': { event: 'request:dropped' },
  'group.message': { event: 'group:message' },
  'group.receipt': { event: 'group:receipt' },
  'file.progress': { event: 'file:progress' },
  'peer.connect': { event: 'peer:connect', wrap: 'peerId' },
  'peer.disconnect': { event: 'peer:disconnect', wrap: 'peerId' }
}

/** The daemon's JSON-RPC methods: the table above on `messenger`, and ping, relay.stats, subscribe. */
export function createRpcMethods (messenger: Messenger): Record<string, RpcMethod> {
  const methods: Record<string, RpcMethod> = {
    ping: () => 'pong',
    'relay.stats': async () => (await (messenger as { relayStats?: () => Promise<unknown> }).relayStats?.()) ?? null,
    subscribe: (_p, session) => subscribe(messenger, session)
  }
  for (const [name, spec] of Object.entries(CALLS) as Array<[CallName, CallSpec]>) {
    methods[spec.rpc] = async params => {
      if (spec.serve != null) return spec.serve(messenger)
      const result = await (messenger[name] as (...args: unknown[]) => Promise<unknown>).call(messenger, ...argsOf(spec, params))
      if (spec.wrap === null) return {}
      return spec.wrap != null ? { [spec.wrap]: result } : result
    }
  }
  return methods
}

/** After `subscribe`, this session gets every notification in NOTIFICATIONS until it closes. */
function subscribe (messenger: Messenger, session: RpcSession): { subscribed: string[] } {
  const listeners = Object.entries(NOTIFICATIONS).map(([method, { event, wrap }]) => {
    const listener = (evt: CustomEvent): void => { session.notify(method, wrap != null ? { [wrap]: evt.detail } : evt.detail) }
    messenger.addEventListener(event, listener as any)
    return { event, listener }
  })
  session.addCloseListener(() => {
    for (const { event, listener } of listeners) messenger.removeEventListener(event, listener as any)
  })
  return { subscribed: Object.keys(NOTIFICATIONS) }
}
