/** asked of an entry relay: reach a peer for me */
export const HOP_PROTOCOL = '/hyphae/chain/hop/1.0.0'
/** asked by an entry relay of the peer reached: this caller wants you */
export const STOP_PROTOCOL = '/hyphae/chain/stop/1.0.0'
/** a request and its answer; the chained bytes after them have no limit of ours */
export const MAX_MESSAGE_BYTES = 4096
/** from opening the hop stream to the answer, including the entry relay's dial */
export const TIMEOUT = 30_000
/** chains an entry relay carries at once, in all, and for one client */
export const MAX_CHAINS = 256
export const MAX_CHAINS_PER_CLIENT = 16
export const MAX_INBOUND_STREAMS = 32
export const MAX_OUTBOUND_STREAMS = 32
