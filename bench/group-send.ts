/**
 * Sending through a group formed by group-network.ts, for group-fanout's hyphae side: texts of
 * 1 KiB one at a time from a rotating member (a channel's owner alone), and when each other member emitted each one.
 */
import { FanoutTally, type TallySummary } from './fanout.ts'
import { messageText } from './pairs.ts'
import { now } from './stats.ts'
import type { GroupNetwork } from './group-network.ts'
import type { GroupMessageRecord } from '../node/messenger.ts'

const TEXT_PREFIX = 'bench message '

export interface GroupFanoutRun extends TallySummary {
  /** ms for sendGroupMessage() to return (signed, stored, queued) */
  sendReturned: number[]
  /** the topic validators' verdicts over all members since they started, joins included (accepted, ignored and why, rejected) */
  validation: { accepted: number, ignored: number, rejected: number, reasons: Record<string, number> }
}

/**
 * Sends `warmup` + `messages` texts of 1 KiB one at a time from a rotating member; per message,
 * when each other member emitted it as a 'group:message' (stored). The next is sent once every
 * member has the previous one, or after `perMessageTimeout`; then stragglers get `grace` ms. The
 * first `warmup` are left out of the figures.
 */
export async function groupFanout (net: GroupNetwork, messages: number, perMessageTimeout: number, grace: number, warmup = 0): Promise<GroupFanoutRun> {
  const { nodes, group } = net
  const total = warmup + messages
  const tally = new FanoutTally(total, nodes.length)
  const listeners = nodes.map((node, i) => {
    const onMessage = (evt: CustomEvent<GroupMessageRecord>): void => {
      const m = evt.detail
      if (m.kind === 'text' && m.group === group && m.body.startsWith(TEXT_PREFIX)) tally.arrive(Number.parseInt(m.body.slice(TEXT_PREFIX.length)), i)
    }
    node.addEventListener('group:message', onMessage)
    return () => { node.removeEventListener('group:message', onMessage) }
  })
  const sendReturned: number[] = []
  try {
    for (let k = 0; k < total; k++) {
      // a channel has one author: its owner, node 0
      const publisher = net.channel ? 0 : k % nodes.length
      const t0 = now()
      tally.publish(k, publisher, t0)
      await nodes[publisher].sendGroupMessage(group, messageText(k))
      if (k >= warmup) sendReturned.push(now() - t0)
      await tally.complete(k, perMessageTimeout)
    }
    await tally.allComplete(grace)
  } finally {
    for (const off of listeners) off()
  }
  const validation = { accepted: 0, ignored: 0, rejected: 0, reasons: {} as Record<string, number> }
  for (const node of nodes) {
    const s = node.groups.stats
    validation.accepted += s.accepted
    validation.ignored += s.ignored
    validation.rejected += s.rejected
    for (const [why, count] of Object.entries(s.reasons)) validation.reasons[why] = (validation.reasons[why] ?? 0) + count
  }
  return { ...tally.summary(warmup), sendReturned, validation }
}
