export { DirectChats, type DirectChatsComponents, type DirectChatsEvents } from './direct-chats.ts'
export { ContactBook, checkNickname } from './contact-book.ts'
export { ControlRouter, UnknownControlAppError, type ControlHandler } from './control-messages.ts'
export { reachPeer } from './reach-peer.ts'
