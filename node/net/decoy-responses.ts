import { DECOY_SERVER_TOKEN } from './decoy-nginx-config.ts'

/** The reason phrases nginx 1.22 writes (ngx_http_header_filter_module.c), not Node's. */
export const NGINX_REASONS: Record<number, string> = {
  200: 'OK',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Not Allowed',
  408: 'Request Time-out',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  505: 'HTTP Version Not Supported'
}

/** nginx's own code for "plain HTTP sent to an HTTPS port", answered as a 400. */
export const NGINX_TO_HTTPS = 497

const MSIE_PADDING = '<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n'.repeat(6)

/**
 * nginx's built-in error page (ngx_http_special_response.c), byte for byte; `padded` adds the
 * comment lines nginx appends for MSIE and Chrome user agents (`msie_padding on`).
 */
export function errorPage (status: number, padded: boolean, serverToken = DECOY_SERVER_TOKEN): string {
  const tail = `<hr><center>${serverToken}</center>\r\n</body>\r\n</html>\r\n`
  let head: string
  if (status === NGINX_TO_HTTPS) {
    head = '<html>\r\n<head><title>400 The plain HTTP request was sent to HTTPS port</title></head>\r\n<body>\r\n' +
      '<center><h1>400 Bad Request</h1></center>\r\n<center>The plain HTTP request was sent to HTTPS port</center>\r\n'
  } else {
    const line = `${status} ${NGINX_REASONS[status] ?? ''}`
    head = `<html>\r\n<head><title>${line}</title></head>\r\n<body>\r\n<center><h1>${line}</h1></center>\r\n`
  }
  return head + tail + (padded && status >= 400 ? MSIE_PADDING : '')
}

/** Whether nginx pads error pages for this User-Agent (ngx_http_process_user_agent). */
export function wantsPadding (userAgent: string | undefined): boolean {
  if (userAgent == null) return false
  const msieAt = userAgent.indexOf('MSIE ')
  const msie = msieAt !== -1 && msieAt + 7 < userAgent.length
  if (userAgent.includes('Opera')) return false
  if (msie) return true
  if (userAgent.includes('Gecko/')) return false
  return userAgent.includes('Chrome/')
}

/** RFC 1123 as nginx writes it (`Sun, 06 Nov 1994 08:49:37 GMT`), which toUTCString matches. */
export function httpDate (date: Date): string {
  return date.toUTCString()
}

/**
 * A complete raw HTTP/1.1 response head in nginx's order, for paths that write to the socket
 * themselves (client errors, upgrades).
 */
export function rawErrorResponse (status: number, keepAlive: boolean, padded: boolean, withBody = true, serverToken = DECOY_SERVER_TOKEN): Buffer {
  const body = errorPage(status, padded, serverToken)
  const code = status === NGINX_TO_HTTPS ? 400 : status
  const head = `HTTP/1.1 ${code} ${NGINX_REASONS[code]}\r\n` +
    `Server: ${serverToken}\r\n` +
    `Date: ${httpDate(new Date())}\r\n` +
    'Content-Type: text/html\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`
  return Buffer.from(withBody ? head + body : head, 'latin1')
}
