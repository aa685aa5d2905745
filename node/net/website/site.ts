import type { WebsiteSite } from './listener.ts'

/** The website a relay shows everyone without the secret path: the directory given, else a stock page. */
export async function decoySite (_dir?: string): Promise<WebsiteSite | undefined> {
  return undefined
}
