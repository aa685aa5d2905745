export const PROTOCOL = '/hyphae/mailbox/1.0.0'
/** an envelope is at most a DM frame */
export const MAX_ENVELOPE_BYTES = 80 * 1024
/** a fetch response: up to FETCH_LIMIT envelopes */
export const FETCH_LIMIT = 64
export const MAX_MESSAGE_BYTES = FETCH_LIMIT * MAX_ENVELOPE_BYTES + 4096
export const TIMEOUT = 15_000
export const MAX_INBOUND_STREAMS = 8
export const MAX_OUTBOUND_STREAMS = 8
/** how long a relay keeps an envelope nobody fetched */
export const DEFAULT_TTL_MS = 14 * 24 * 3600 * 1000
export const DEFAULT_QUOTA_MESSAGES = 1000
export const DEFAULT_QUOTA_BYTES = 16 * 1024 * 1024
/** deposits per sender per minute */
export const DEFAULT_SENDER_RATE = 120
/** what one depositor may have waiting, over every recipient */
export const DEFAULT_DEPOSITOR_QUOTA_MESSAGES = 2000
export const DEFAULT_DEPOSITOR_QUOTA_BYTES = 32 * 1024 * 1024
/** what the relay keeps in all: its disk is not the depositors' */
export const DEFAULT_TOTAL_QUOTA_MESSAGES = 200_000
export const DEFAULT_TOTAL_QUOTA_BYTES = 2 * 1024 * 1024 * 1024
/** a prekey bundle a relay keeps per recipient: a few KiB (a Kyber-1024 key and signatures) */
export const MAX_PREKEYS_BYTES = 4096
/** prekey publishes per recipient per minute (it leaves one bundle per relay, once a run) */
export const PREKEYS_PER_MINUTE = 6
