import { useCallback, useEffect, useRef, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import type { Messenger, NodeStatus } from '../../../node/messenger.ts'

export interface NodeStatusState {
  status?: NodeStatus
  outbox?: number
  refresh: () => void
}

/** reachability has no event of its own: look again now and then */
const POLL_MS = 5_000
/** a burst of events (a hundred receipts) costs one status call */
const SETTLE_MS = 150

/** The node's status and outbox size for the status bar, refreshed on connection and delivery events. */
export function useNodeStatus (messenger: Messenger): NodeStatusState {
  const [status, setStatus] = useState<NodeStatus>()
  const [outbox, setOutbox] = useState<number>()
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const mounted = useRef(true)

  const fetchNow = useCallback(async () => {
    try {
      const [s, o] = await Promise.all([messenger.status(), messenger.outboxSize()])
      if (!mounted.current) return
      setStatus(s)
      setOutbox(o)
    } catch {
      // the node is stopping
    }
  }, [messenger])

  const refresh = useCallback(() => {
    if (timer.current != null) return
    timer.current = setTimeout(() => { timer.current = undefined; void fetchNow() }, SETTLE_MS)
  }, [fetchNow])

  useEffect(() => {
    mounted.current = true
    void fetchNow()
    const poll = setInterval(() => { void fetchNow() }, POLL_MS)
    poll.unref?.()
    return () => {
      mounted.current = false
      clearInterval(poll)
      clearTimeout(timer.current)
      timer.current = undefined
    }
  }, [fetchNow])

  useMessengerEvent(messenger, 'peer:connect', refresh)
  useMessengerEvent(messenger, 'peer:disconnect', refresh)
  useMessengerEvent(messenger, 'message', refresh)
  useMessengerEvent(messenger, 'receipt', refresh)

  return { status, outbox, refresh }
}
