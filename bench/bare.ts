/**
 * The baseline everything is measured against: plain js-libp2p with TCP, Noise and yamux on
 * loopback, no hyphae code, plus whatever services a bench adds (identify, gossipsub, dm...).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p, type Libp2pOptions } from 'libp2p'
import type { ServiceMap, Stream } from '@libp2p/interface'

export const ECHO_PROTOCOL = '/hyphae-bench/echo/1.0.0'
export const SINK_PROTOCOL = '/hyphae-bench/sink/1.0.0'
/** Large enough for any frame a bench writes. */
export const MAX_BENCH_FRAME = 128 * 1024

export async function createBareNode<T extends ServiceMap = ServiceMap> (services?: Libp2pOptions<T>['services'], extra: Partial<Libp2pOptions<T>> = {}): Promise<Libp2p<T>> {
  return createLibp2p<T>({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // the same room the messenger has (libp2p's default of 5 inbound per second refuses a test network)
    connectionManager: { maxConnections: 200, inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 200 },
    services,
    ...extra
  })
}

/** Serves the echo protocol: every length-prefixed frame read is written back. */
export async function handleEcho (node: Libp2p<any>): Promise<void> {
  await node.handle(ECHO_PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: MAX_BENCH_FRAME })
    try {
      while (true) await lp.write(await lp.read())
    } catch {
      stream.abort(new Error('echo ended'))
    }
  }, { maxInboundStreams: 4 })
}

/**
 * Serves the sink protocol: counts frames read and calls `onFrame` with the running count.
 */
export async function handleSink (node: Libp2p<any>, onFrame: (count: number) => void): Promise<void> {
  await node.handle(SINK_PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: MAX_BENCH_FRAME })
    let count = 0
    try {
      while (true) {
        await lp.read()
        onFrame(++count)
      }
    } catch {
      stream.abort(new Error('sink ended'))
    }
  }, { maxInboundStreams: 4 })
}

export async function stopAll (nodes: Array<{ stop(): Promise<void> | void } | undefined>): Promise<void> {
  await Promise.allSettled(nodes.map(async n => n?.stop()))
}
