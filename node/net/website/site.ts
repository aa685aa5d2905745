import { stat } from 'node:fs/promises'
import { InvalidArgumentError } from '../../errors.ts'
import type { WebsiteSite } from './listener.ts'

/** The website a relay shows everyone without the secret path, as stock nginx serves it: DIR, else a small page of ours. */
export async function decoySite (dir?: string): Promise<WebsiteSite> {
  if (dir != null && !(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new InvalidArgumentError(`--site ${JSON.stringify(dir)} is not a directory`)
  }
  const { attachDecoySite, decoyTlsOptions } = await import('../decoy-site.ts')
  return {
    attach: server => {
      const site = attachDecoySite(server, { root: dir })
      return (req, socket, head) => { site.handleUpgrade(req, socket, head) }
    },
    tlsOptions: decoyTlsOptions()
  }
}
