/**
 * What one sample of bench/dht.ts does on a node, wherever the node runs (dht-worker.ts): B
 * writes its rendezvous record for A, A reads it, kad-dht's own findPeer on the bare side, and a
 * dial by known address. Hops come from kad-dht's query events (onProgress): the depth of the
 * peer that answered, with the peers A asked first at depth 1.
 */
import { now } from './stats.ts'
import type { BareDhtNode } from './dht-network.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export interface Lookup { ms: number, hops: number | null, queries: number }
/** how often B tries to write its record (a node's background publisher retries too) */
export const PUBLISH_TRIES = 3
const PUBLISH_TIMEOUT = 30_000

export class PublishError extends Error {
  constructor (tries: number) {
    super(`no server took the record in ${tries} tries`)
    this.name = 'PublishError'
  }
}

/** kad-dht's query events: queries sent, and the depth of the first peer that answered */
function tracker (answered: (e: any, type: string) => boolean): { onProgress: (evt: CustomEvent<any>) => void, result: () => { hops: number | null, queries: number } } {
  const depth = new Map<string, number>()
  let queries = 0
  let hops: number | null = null
  const onProgress = (evt: CustomEvent<any>): void => {
    const e = evt.detail
    switch (evt.type) {
      case 'kad-dht:query:send-query':
        queries++
        if (!depth.has(e.to.toString())) depth.set(e.to.toString(), 1)
        break
      case 'kad-dht:query:peer-response': {
        const d = (depth.get(e.from.toString()) ?? 1) + 1
        for (const p of e.closer ?? []) {
          const key = p.id.toString()
          if ((depth.get(key) ?? Infinity) > d) depth.set(key, d)
        }
        break
      }
    }
    if (answered(e, evt.type)) hops ??= depth.get(e.from.toString()) ?? null
  }
  return { onProgress, result: () => ({ hops, queries }) }
}

/** kad-dht's own lookup of a peer id; B is a client, so only a server connected to it can name it */
export async function bareFindPeer (a: BareDhtNode, b: PeerId, timeoutMs: number): Promise<Lookup> {
  const { onProgress, result } = tracker((_, type) => type === 'kad-dht:query:final-peer')
  const t0 = now()
  await a.peerRouting.findPeer(b, { signal: AbortSignal.timeout(timeoutMs), useCache: false, onProgress } as any)
  return { ms: now() - t0, ...result() }
}

/** B writes its record for A as its background publisher does; resolves with the tries it took. */
export async function publishRecord (b: HyphaeMessenger, a: PeerId): Promise<number> {
  for (let tries = 1; ; tries++) {
    const stored = await b.direct.rendezvous.service.publish(a, b.libp2p.getMultiaddrs(), { signal: AbortSignal.timeout(PUBLISH_TIMEOUT) }).catch(() => [0])
    if (stored.some(n => n > 0)) return tries
    if (tries >= PUBLISH_TRIES) throw new PublishError(tries)
  }
}

/** A reads B's record (timed): the addresses it names, with the lookup's figures. */
export async function readRecord (a: HyphaeMessenger, b: PeerId, timeoutMs: number): Promise<Lookup & { multiaddrs: string[] }> {
  const { onProgress, result } = tracker((e, type) => type === 'kad-dht:query:peer-response' && e.record != null)
  const t0 = now()
  const found = await a.direct.rendezvous.service.lookup(b, { signal: AbortSignal.timeout(timeoutMs), onProgress })
  return { ms: now() - t0, ...result(), multiaddrs: found.multiaddrs.map(m => m.toString()) }
}

export async function dialByAddress (a: Libp2p<any>, addrs: Multiaddr[]): Promise<number> {
  const t0 = now()
  const connection = await a.dial(addrs, { force: true, signal: AbortSignal.timeout(30_000) })
  const ms = now() - t0
  await connection.close().catch(() => {})
  return ms
}
