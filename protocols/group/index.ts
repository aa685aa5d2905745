/**
 * The wire format of group chats. A group has no stream protocol of its own: its messages
 * travel on gossipsub topics (one per group and epoch) as GroupEnvelopes, its new epochs as
 * GroupControl inside direct messages, and its history over `/hyphae/group-sync/2.0.0`
 * (protocols/group-sync), which serves the signed GroupMessages exactly as their authors wrote
 * them. node/groups seals, signs and checks them.
 */
export { GroupControl, GroupEnvelope, GroupInvite, GroupMessage, GroupMessageKind, InviteMember, Rekey } from './pb/group.ts'
