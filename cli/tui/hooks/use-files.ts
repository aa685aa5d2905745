import { useEffect, useState } from 'react'
import { useMessengerEvent } from './use-messenger-event.ts'
import type { FileProgress, Messenger } from '../../../node/messenger.ts'

export type FileView = Pick<FileProgress, 'id' | 'name' | 'direction' | 'state' | 'received' | 'size' | 'bytesPerSecond' | 'secondsLeft' | 'savedTo' | 'error'>

/**
 * Every file of the open conversation by id, as listed and then kept current by 'file:progress'
 * (a few times a second while one moves): what the conversation shows beside a file's message.
 */
export function useFiles (messenger: Messenger, contact: string | undefined): Map<string, FileView> {
  const [files, setFiles] = useState<Map<string, FileView>>(() => new Map())
  useEffect(() => {
    let live = true
    if (contact == null) { setFiles(new Map()); return }
    void messenger.listFiles({ contact }).then(list => {
      if (live) setFiles(new Map(list.map(f => [f.id, { ...f, bytesPerSecond: 0 }])))
    }).catch(() => {})
    return () => { live = false }
  }, [messenger, contact])
  useMessengerEvent(messenger, 'file:progress', evt => {
    const p = evt.detail
    if (contact == null || p.conversation !== contact) return
    setFiles(prev => new Map(prev).set(p.id, p))
  })
  return files
}
