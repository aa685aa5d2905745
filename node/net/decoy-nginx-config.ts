import { fileURLToPath } from 'node:url'
import { DECOY_MIME_TYPES } from './decoy-mime-types.ts'

/**
 * The nginx the decoy imitates: Debian 12's package (`apt-get install nginx`, `nginx -v`).
 * The one place the version lives; the Server header and error pages read it from here.
 */
export const DECOY_NGINX_VERSION = '1.22.1'

/** `nginx/1.22.1`, as nginx writes it with `server_tokens on` (its default). */
export const DECOY_SERVER_TOKEN = `nginx/${DECOY_NGINX_VERSION}`

/** The committed default site; an operator passes a directory of their own instead. */
export const DEFAULT_DECOY_ROOT = fileURLToPath(new URL('./decoy/', import.meta.url))

/** Index files nginx looks for in a directory, in order (Debian's default site). */
export const DECOY_INDEX_FILES = ['index.html', 'index.htm']

/** nginx's defaults, which the decoy copies: `client_header_timeout`, `keepalive_timeout`. */
export const DECOY_CLIENT_HEADER_TIMEOUT_MS = 60_000
export const DECOY_KEEPALIVE_TIMEOUT_MS = 75_000

/**
 * TLS as Debian's nginx.conf sets it (`ssl_protocols TLSv1 ... TLSv1.3`,
 * `ssl_prefer_server_ciphers on`, nginx's default `ssl_ciphers HIGH:!aNULL:!MD5`).
 */
export const DECOY_TLS_CIPHERS = 'HIGH:!aNULL:!MD5'

export interface DecoyNginxListen {
  host: string
  port: number
  tls?: boolean
}

export interface DecoyNginxConfigInit {
  /** The static directory; defaults to the committed decoy site. */
  root?: string
  listen: DecoyNginxListen[]
  /** PEM files, needed when a listen has `tls`. */
  certFile?: string
  keyFile?: string
  /** Left out when nginx is given `-g 'pid ...;'` instead. */
  pidFile?: string
  /** Where nginx keeps its request-body and proxy temp files (a temp dir in tests). */
  tempDir: string
  /** `user` for the workers when the master runs as root (they must read `root`). */
  user?: string
  /** Defaults to stderr. */
  errorLog?: string
  /** more `location` blocks for the server (a relay's secret path) */
  extraLocations?: string
}

/**
 * A complete nginx.conf equivalent to Debian's default nginx.conf plus its `default` site,
 * serving `root`: the reference the decoy is compared against. It differs from Debian's in
 * what a client cannot see (one worker, no access log, paths) and in `gzip off`: the decoy
 * does not compress, so the reference does not either (a client that sends
 * `Accept-Encoding: gzip` to a stock Debian nginx gets a gzipped, chunked index page).
 */
export function decoyNginxConfig (init: DecoyNginxConfigInit): string {
  const root = init.root ?? DEFAULT_DECOY_ROOT
  const needsTls = init.listen.some(l => l.tls === true)
  if (needsTls && (init.certFile == null || init.keyFile == null)) {
    throw new Error('decoyNginxConfig: a tls listen needs certFile and keyFile')
  }
  const types = DECOY_MIME_TYPES.map(([type, exts]) => `    ${type} ${exts.join(' ')};`).join('\n')
  const listens = init.listen.map((l, i) =>
    `    listen ${l.host}:${l.port}${l.tls === true ? ' ssl' : ''}${i === 0 ? ' default_server' : ''};`
  ).join('\n')
  const tmp = init.tempDir
  return `${init.user != null ? `user ${init.user};\n` : ''}worker_processes 1;
${init.pidFile != null ? `pid ${init.pidFile};\n` : ''}error_log ${init.errorLog ?? 'stderr'};

events {
  worker_connections 768;
}

http {
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  types {
${types}
  }
  default_type application/octet-stream;
  ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
  ssl_prefer_server_ciphers on;
  access_log off;
  gzip off;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;

  server {
${listens}
${needsTls ? `    ssl_certificate ${init.certFile};\n    ssl_certificate_key ${init.keyFile};\n` : ''}    root ${root};
    index ${DECOY_INDEX_FILES.join(' ')};
    server_name _;
    location / {
      try_files $uri $uri/ =404;
    }
${init.extraLocations ?? ''}  }
}
`
}
