import { useEffect, useState } from 'react'
import { useStdout } from 'ink'

export interface TerminalSize {
  columns: number
  rows: number
}

function read (stdout: NodeJS.WritableStream & { columns?: number, rows?: number }): TerminalSize {
  // a pipe (or a test's fake stream) may not know its size
  const { columns = 0, rows = 0 } = stdout
  return { columns: columns > 0 ? columns : 80, rows: rows > 0 ? rows : 24 }
}

/** The terminal's size, updated on every 'resize' so the layout follows the window. */
export function useTerminalSize (): TerminalSize {
  const { stdout } = useStdout()
  const [size, setSize] = useState(() => read(stdout))
  useEffect(() => {
    const onResize = (): void => {
      const next = read(stdout)
      setSize(prev => prev.columns === next.columns && prev.rows === next.rows ? prev : next)
    }
    stdout.on('resize', onResize)
    onResize()
    return () => { stdout.off('resize', onResize) }
  }, [stdout])
  return size
}
