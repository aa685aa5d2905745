export const PROTOCOL_PREFIX = 'hyphae'
export const PROTOCOL_NAME = 'dm'
export const PROTOCOL_VERSION = '1.0.0'
export const PROTOCOL = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`

/** Envelope.version written by this code; anything else is refused. */
export const ENVELOPE_VERSION = 2

/** Largest message body, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 64 * 1024

/** Largest frame on the wire: a full body plus the envelope's keys, nonce, tag and signature. */
export const MAX_FRAME_BYTES = 80 * 1024

/** Message ids are 128 random bits. */
export const MESSAGE_ID_BYTES = 16

/** Ids per Receipt frame; matches the limit in pb/dm.proto. Longer lists are split. */
export const MAX_RECEIPT_IDS = 256

/** How long send() waits for an ack (and sendReceipt() for the write) when given no signal. */
export const TIMEOUT = 10_000

/** How long the recipient's onMessage may take before the sender is told UNAVAILABLE. */
export const HANDLER_TIMEOUT = 10_000

/**
 * Envelopes in flight (written, not yet acked) per peer, by count and by bytes. The recipient
 * buffers up to 4 MiB of unread bytes on a stream before aborting it (@libp2p/utils
 * byteStream's default): the byte limit keeps a sender of full-size messages at half that. The
 * count is what lets short messages stream: with 32 a pipelining sender sat idle while the
 * recipient stored each batch (measured: 1.4k -> 2.3k msg/s with 128, sender and recipient in
 * two processes).
 */
export const MAX_IN_FLIGHT = 128
export const MAX_IN_FLIGHT_BYTES = 2 * 1024 * 1024

/**
 * Each side keeps one long-lived outbound stream per peer; the slack covers a new stream
 * opening while a dead one is still being torn down.
 */
export const MAX_INBOUND_STREAMS = 4
export const MAX_OUTBOUND_STREAMS = 4

/** Oversized or undecodable frames tolerated from one peer before its connections are closed. */
export const MAX_STRIKES = 3

/**
 * Leading zero bits of an introduction's hash (about 2^bits SHA-256 to mint one, one to
 * check). A cost per fresh identity, not a cap: the recipient's request quotas are the bound.
 */
export const INTRODUCTION_BITS = 16

/** The most a sender pays when a recipient asks (2^24 hashes is minutes on a phone). */
export const MAX_INTRODUCTION_BITS = 24

/** How long a recipient takes an introduction after it was minted; a sender renews it at half that. */
export const INTRODUCTION_MAX_AGE = 24 * 3600_000

/** A longer nonce buys nothing but hashing time on the recipient. */
export const MAX_INTRODUCTION_NONCE_BYTES = 16
