export const PROTOCOL_PREFIX = 'hyphae'
export const PROTOCOL_NAME = 'file'
export const PROTOCOL_VERSION = '1.0.0'
export const PROTOCOL = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`

/** Plaintext bytes per chunk: small enough to fit many times in a relay's data limit. */
export const CHUNK_SIZE = 256 * 1024

/** ChaCha20-Poly1305's tag: an encrypted chunk is this much longer than its plaintext. */
export const TAG_BYTES = 16

/** The largest file offered or accepted: 4 GiB (16,384 chunks, a Merkle path of 14 hashes). */
export const MAX_FILE_BYTES = 4 * 1024 ** 3

/** Hashes in a Merkle path: enough for MAX_FILE_BYTES at the smallest chunk size we take. */
export const MAX_PROOF_LENGTH = 40

/** Chunks one request may ask for: the responder streams at most this many before its end frame. */
export const MAX_CHUNKS_PER_REQUEST = 16

/** A frame: one encrypted chunk, its Merkle path and framing. */
export const MAX_FRAME_BYTES = CHUNK_SIZE + TAG_BYTES + MAX_PROOF_LENGTH * 34 + 64

/** A request is a root and two counters. */
export const MAX_REQUEST_BYTES = 128

/** A have-bitmap of a 4 GiB file at 256 KiB chunks is 2 KiB; any frame is far under MAX_FRAME_BYTES. */
export const MAX_HAVE_BYTES = 64 * 1024

/** How long one request may take, request to end, when the caller gives no signal. */
export const TIMEOUT = 60_000

/** How long the responder waits for the request after the stream opens. */
export const REQUEST_TIMEOUT = 5_000

/** Streams at once per peer: a few windows in flight from each source. */
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
