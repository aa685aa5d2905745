import type { GroupPubSub } from './pubsub.ts'

/**
 * Application-score units (x `appSpecificWeight`, 10 by default) a peer loses while it listens
 * on one of our group topics without having proven it is a member. -70 sits between gossipsub's
 * publish (-50) and graylist (-80) thresholds even with the +10 first deliveries can earn: no
 * mesh, no gossip, none of our publications or forwards; but what it sends is still read, so
 * its first sealed, signed message (its join) proves it.
 */
export const UNPROVEN_PENALTY = 7

/**
 * Who on our group topics has proven membership. A peer proves it by a message it wrote that we
 * accepted (sealed with the epoch key, signed by it: its join at the latest), by being a member
 * we already list, or by a history request with a valid proof. Until then gossipsub's score
 * keeps it out of the topic's mesh and away from everything published or forwarded on it.
 */
export class MeshGate {
  /** peer -> the topics it listens on without proof */
  private readonly unproven = new Map<string, Set<string>>()
  private readonly maxPeers: number

  constructor (pubsub: GroupPubSub, init: { maxPeers?: number } = {}) {
    this.maxPeers = init.maxPeers ?? 4096
    const params = pubsub.score?.params
    if (params == null) return
    const previous = params.appSpecificScore
    params.appSpecificScore = (peer: string) => (previous?.(peer) ?? 0) - (this.unproven.has(peer) ? UNPROVEN_PENALTY : 0)
  }

  /** `peer` listens on `topic` and is not known to be a member of its group. */
  suspect (topic: string, peer: string): void {
    let topics = this.unproven.get(peer)
    if (topics == null) {
      // past the cap the oldest suspect is forgotten: it can then at most reach a mesh, never read it
      if (this.unproven.size >= this.maxPeers) this.unproven.delete(this.unproven.keys().next().value as string)
      topics = new Set()
      this.unproven.set(peer, topics)
    }
    topics.add(topic)
  }

  /** `peer` proved it is a member of the group on `topic`. */
  prove (topic: string, peer: string): void {
    const topics = this.unproven.get(peer)
    if (topics == null) return
    topics.delete(topic)
    if (topics.size === 0) this.unproven.delete(peer)
  }

  /** Whether `peer` listens on `topic` without having proven it holds its secret. */
  suspects (topic: string, peer: string): boolean {
    return this.unproven.get(peer)?.has(topic) === true
  }

  isSuspect (peer: string): boolean {
    return this.unproven.has(peer)
  }

  /** We no longer listen on `topic` (or the peer left it): nothing to hold against anyone there. */
  forget (topic: string, peer?: string): void {
    for (const [p, topics] of this.unproven) {
      if (peer != null && p !== peer) continue
      topics.delete(topic)
      if (topics.size === 0) this.unproven.delete(p)
    }
  }

  clear (): void {
    this.unproven.clear()
  }
}
