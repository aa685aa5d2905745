import { useEffect, useEffectEvent } from 'react'
import type { Messenger, MessengerEvents } from '../../../node/messenger.ts'

/**
 * Listens to one Messenger event for as long as the component is mounted. The handler
 * always sees the latest props and state, and the listener is removed on unmount.
 */
export function useMessengerEvent<K extends keyof MessengerEvents> (messenger: Messenger, type: K, handler: (event: MessengerEvents[K]) => void): void {
  const onEvent = useEffectEvent(handler)
  useEffect(() => {
    const listener = (event: MessengerEvents[K]): void => { onEvent(event) }
    messenger.addEventListener(type, listener)
    return () => { messenger.removeEventListener(type, listener) }
  }, [messenger, type])
}
