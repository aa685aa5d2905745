export const PROTOCOL = '/hyphae/prekeys/1.0.0'
/** a bundle: two 33-byte EC keys, a 1569-byte Kyber key, two signatures, ids */
export const MAX_BUNDLE_BYTES = 4096
export const TIMEOUT = 10_000
export const MAX_INBOUND_STREAMS = 4
export const MAX_OUTBOUND_STREAMS = 4
