export const PROTOCOL = '/hyphae/mailbox/2.0.0'
/** the version before queues: refused with a clear error */
export const LEGACY_PROTOCOL = '/hyphae/mailbox/1.0.0'
/** a sealed envelope: the largest padding bucket and the box around it (see protocols/dm/sealed.ts) */
export const MAX_ENVELOPE_BYTES = 96 * 1024 + 73
/** a fetch response: up to FETCH_LIMIT envelopes and FETCH_BYTES (a stream's read buffer is 4 MiB) */
export const FETCH_LIMIT = 64
export const FETCH_BYTES = 2 * 1024 * 1024
/** queues one FetchMany names (each costs the relay a signature check) */
export const FETCH_MANY_QUEUES = 256
export const MAX_MESSAGE_BYTES = FETCH_BYTES + MAX_ENVELOPE_BYTES + FETCH_LIMIT * 96 + 2 * FETCH_MANY_QUEUES * 20 + 4096
export const TIMEOUT = 15_000
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
/** how long a relay keeps an envelope nobody fetched */
export const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000
/** what one queue may hold */
export const DEFAULT_QUOTA_MESSAGES = 1000
export const DEFAULT_QUOTA_BYTES = 16 * 1024 * 1024
/** deposits per queue per minute */
export const DEFAULT_QUEUE_RATE = 120
/** what the relay keeps in all: its disk is not the depositors' */
export const DEFAULT_TOTAL_QUOTA_MESSAGES = 200_000
export const DEFAULT_TOTAL_QUOTA_BYTES = 2 * 1024 * 1024 * 1024
/** queues a relay keeps at once; a queue its owner has not fetched from in QUEUE_IDLE_MS goes */
export const DEFAULT_MAX_QUEUES = 100_000
export const QUEUE_IDLE_MS = 30 * 24 * 3600 * 1000
/** opens per connected peer per minute (kept in memory only, never written or logged) */
export const OPENS_PER_MINUTE = 30
/** a queue id, a deposit token, a queue key */
export const QUEUE_ID_BYTES = 16
export const TOKEN_BYTES = 32
/** how far an owner's signed request may be from the relay's clock */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000
/** a deposit's own expiry is at most the relay's TTL from now */
export const MAX_EXPIRY_MS = DEFAULT_TTL_MS
/** a prekey bundle a relay keeps per queue: a few KiB (a Kyber-1024 key and signatures) */
export const MAX_PREKEYS_BYTES = 4096
/** prekey publishes per queue per minute */
export const PREKEYS_PER_MINUTE = 6
/** signed by the queue key before the relay's peer id and the request */
export const SIGNING_DOMAIN = 'hyphae-mailbox/2'
/** a new queue costs no work until the relay holds this share of its queues... */
export const WORK_FROM_FILL = 0.5
/** ...then from this many leading zero bits (~256 hashes) to this many (~260,000) when full */
export const MIN_WORK_BITS = 8
export const MAX_WORK_BITS = 18
