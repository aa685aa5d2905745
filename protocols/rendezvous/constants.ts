/** the kad-dht namespace: keys are `/hyphae-rv/<hex SHA-256 of the derived public key>` */
export const NAMESPACE = 'hyphae-rv'
export const KEY_PREFIX = `/${NAMESPACE}/`
/** mixed into every derivation and signature, so nothing signed here means anything elsewhere */
export const DOMAIN = 'hyphae-rv/1'
/** a record key lives one UTC day */
export const EPOCH_MS = 24 * 3600 * 1000
/** a record's time in the clear is rounded down to this, the same for every writer */
export const SLOT_SECONDS = 600
/** every record's plaintext is padded to this, so its size says nothing about its addresses */
export const PLAINTEXT_BYTES = 1536
export const NONCE_BYTES = 24
export const TAG_BYTES = 16
/** what a DHT server takes: the padded ciphertext and a few dozen bytes of fields */
export const MAX_VALUE_BYTES = 2048
export const MAX_ADDRS = 16
export const MAX_ADDR_BYTES = 256
/** a record's day may be the server's yesterday, today or tomorrow (clocks and midnight) */
export const MAX_EPOCH_SKEW = 1
/** how long a lookup waits for more answers once one record opened (a newer one may follow) */
export const LOOKUP_GRACE_MS = 250
export const LOOKUP_TIMEOUT = 10_000
/** walks a lookup makes within its timeout when one ends without the record */
export const LOOKUP_WALKS = 3
/** the pause before the next walk, times the walk's number */
export const LOOKUP_RETRY_MS = 200
export const PUBLISH_TIMEOUT = 30_000
