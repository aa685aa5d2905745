export const PROTOCOL_PREFIX = 'hyphae'
export const PROTOCOL_NAME = 'group-sync'
export const PROTOCOL_VERSION = '2.0.0'
export const PROTOCOL = `/${PROTOCOL_PREFIX}/${PROTOCOL_NAME}/${PROTOCOL_VERSION}`

/** Largest frame: one item (a signed group message: a 64 KiB body plus its header and signature). */
export const MAX_FRAME_BYTES = 80 * 1024

/** Largest request: ids, a 32-byte proof and a cursor; anything longer is not a request. */
export const MAX_REQUEST_BYTES = 1024

/** Items per page; a longer history takes several requests (the cursor says where to go on). */
export const MAX_PAGE_ITEMS = 256

/**
 * Bytes of items per page, past its first item: a page of full-size messages would otherwise be
 * 256 x 80 KiB. A responder that sends more is refused with PageTooLargeError.
 */
export const MAX_PAGE_BYTES = 1024 * 1024

/** How long one page may take, request to end, when the caller gives no signal. */
export const TIMEOUT = 10_000

/** How long the responder waits for the request after the stream opens. */
export const REQUEST_TIMEOUT = 5_000

/** A peer asks for one group's history at a time; a few groups may sync at once. */
export const MAX_INBOUND_STREAMS = 4
export const MAX_OUTBOUND_STREAMS = 8
