export interface NginxSiteInit {
  serverName: string
  /** the secret path, without its leading '/' */
  secretPath: string
  /** where the relay's website listens (HOST:PORT, plain HTTP, on loopback) */
  upstream: string
  root: string
  /** default 443 */
  listen?: number
  certFile?: string
  keyFile?: string
}

/**
 * A stock nginx server block for a relay behind it: nginx holds the certificate and serves the
 * site; only a WebSocket upgrade on the secret path reaches the relay. Anything else on that
 * path gets nginx's own 404, so even a prober that guessed the path learns nothing.
 */
export function nginxSiteConfig (init: NginxSiteInit): string {
  const listen = init.listen ?? 443
  const cert = init.certFile ?? `/etc/letsencrypt/live/${init.serverName}/fullchain.pem`
  const key = init.keyFile ?? `/etc/letsencrypt/live/${init.serverName}/privkey.pem`
  return `server {
    listen ${listen} ssl;
    listen [::]:${listen} ssl;
    server_name ${init.serverName};
    ssl_certificate ${cert};
    ssl_certificate_key ${key};

    root ${init.root};
    index index.html index.htm index.nginx-debian.html;

    location / {
        try_files $uri $uri/ =404;
    }

${secretLocation(init.secretPath, init.upstream)}}
`
}

/** The location block that hands the relay its WebSocket upgrades and nothing else. */
export function secretLocation (secretPath: string, upstream: string): string {
  return `    location = /${secretPath} {
        if ($http_upgrade != "websocket") {
            return 404;
        }
        proxy_pass http://${upstream};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_buffering off;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
    }
`
}
