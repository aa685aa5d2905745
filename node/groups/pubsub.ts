import type { Message, PublishResult, SubscriptionChangeData, TopicValidatorFn } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

/**
 * @libp2p/gossipsub's TopicScoreParams (its package exports only the options that hold them).
 * Times are in ms; decays apply once per decayInterval (1 s by default).
 */
export interface TopicScoreParams {
  topicWeight: number
  timeInMeshWeight: number
  timeInMeshQuantum: number
  timeInMeshCap: number
  firstMessageDeliveriesWeight: number
  firstMessageDeliveriesDecay: number
  firstMessageDeliveriesCap: number
  meshMessageDeliveriesWeight: number
  meshMessageDeliveriesDecay: number
  meshMessageDeliveriesCap: number
  meshMessageDeliveriesThreshold: number
  meshMessageDeliveriesWindow: number
  meshMessageDeliveriesActivation: number
  meshFailurePenaltyWeight: number
  meshFailurePenaltyDecay: number
  invalidMessageDeliveriesWeight: number
  invalidMessageDeliveriesDecay: number
}

/** The slice of the node's gossipsub (`libp2p.services.pubsub`) that groups use. */
export interface GroupPubSub {
  subscribe(topic: string): void
  unsubscribe(topic: string): void
  publish(topic: string, data: Uint8Array): Promise<PublishResult>
  getSubscribers(topic: string): PeerId[]
  getMeshPeers?(topic: string): string[]
  getScore?(peerId: string): number
  topicValidators: Map<string, TopicValidatorFn>
  addEventListener(type: 'subscription-change', listener: (evt: CustomEvent<SubscriptionChangeData>) => void): void
  removeEventListener(type: 'subscription-change', listener: (evt: CustomEvent<SubscriptionChangeData>) => void): void
  /**
   * gossipsub's peer score. Its parameters are read on every use, so topics can be added while
   * running, and the application-specific score (P5) wrapped.
   */
  score?: { params: { topics: Record<string, TopicScoreParams>, appSpecificScore: (peer: string) => number, appSpecificWeight: number } }
}

export type { Message }

/**
 * Scoring for one group topic. The library's defaults score no topic at all (an invalid message
 * costs nothing), and its default topic parameters punish a quiet mesh (P3: fewer than 20
 * deliveries per 5 s), which would prune every honest member of a group where nobody talks.
 *
 * - P1 time in mesh: +0.1 per second, up to +10 (after 100 s), so steady members outrank newcomers
 * - P2 first deliveries: +0.5 each, up to +10, decaying 10 %/s: peers that bring news are kept
 * - P3/P3b mesh delivery rate: off; chat is bursty and often silent
 * - P4 invalid messages: -10 x count², forgiven slowly (1 %/s). With the default thresholds one
 *   Reject takes a fresh peer below 0 (pruned from the mesh at the next heartbeat, no gossip),
 *   three take it below -80 (graylisted: everything it sends is dropped unread)
 */
export const GROUP_TOPIC_SCORE_PARAMS: TopicScoreParams = {
  topicWeight: 1,
  timeInMeshWeight: 0.1,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 100,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshMessageDeliveriesDecay: 0.5,
  meshMessageDeliveriesCap: 100,
  meshMessageDeliveriesThreshold: 1,
  meshMessageDeliveriesWindow: 10,
  meshMessageDeliveriesActivation: 5000,
  meshFailurePenaltyWeight: 0,
  meshFailurePenaltyDecay: 0.5,
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.99
}

/**
 * Scores `topic` with the group parameters. They are never taken away again: gossipsub keeps
 * per-peer stats for a scored topic and reads its parameters when a peer leaves the mesh.
 */
export function scoreGroupTopic (pubsub: GroupPubSub, topic: string): void {
  const topics = pubsub.score?.params?.topics
  if (topics != null && topics[topic] == null) topics[topic] = { ...GROUP_TOPIC_SCORE_PARAMS }
}

/**
 * A penalty per peer in gossipsub's application-specific score (P5), added to whatever the node
 * already scores there, for misbehaviour that only this node can judge (an author over its rate
 * limit). Unlike a Reject, it falls on the author alone: members that relayed the same message
 * before their own limit was reached are not blamed. Each unit costs `appSpecificWeight` (10 by
 * default) and is forgiven at `decayPerSecond`.
 */
export class AppScorePenalties {
  private readonly penalties = new Map<string, { units: number, at: number }>()
  private readonly decayPerSecond: number
  private readonly maxPeers: number

  constructor (pubsub: GroupPubSub, init: { decayPerSecond: number, maxPeers?: number }) {
    this.decayPerSecond = init.decayPerSecond
    this.maxPeers = init.maxPeers ?? 1024
    const params = pubsub.score?.params
    if (params == null) return
    const previous = params.appSpecificScore
    params.appSpecificScore = (peer: string) => (previous?.(peer) ?? 0) - this.units(peer)
  }

  add (peer: string, units = 1): void {
    const now = this.units(peer) + units
    this.penalties.delete(peer)
    if (this.penalties.size >= this.maxPeers) this.penalties.delete(this.penalties.keys().next().value as string)
    this.penalties.set(peer, { units: now, at: Date.now() })
  }

  units (peer: string): number {
    const penalty = this.penalties.get(peer)
    if (penalty == null) return 0
    return penalty.units * this.decayPerSecond ** ((Date.now() - penalty.at) / 1000)
  }

  clear (): void {
    this.penalties.clear()
  }
}
