import { peerIdFromMultihash } from '@libp2p/peer-id'
import { pbStream, pipe } from '@libp2p/utils'
import { CODE_P2P, multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import { HOP_PROTOCOL, MAX_CHAINS, MAX_CHAINS_PER_CLIENT, MAX_INBOUND_STREAMS, MAX_MESSAGE_BYTES, MAX_OUTBOUND_STREAMS, STOP_PROTOCOL, TIMEOUT } from './constants.ts'
import { ChainRefusedError } from './errors.ts'
import { ChainRequest, ChainResponse } from './pb/chain.ts'
import { streamToConnection } from './stream-connection.ts'
import type { ChainComponents, ChainInit } from './index.ts'
import type { AbortOptions, Connection, Logger, PeerId, Startable, Stream } from '@libp2p/interface'

/**
 * Both ends of a chain. On an entry relay (`hop: true`) it takes a client's hop request, gets a
 * connection to the target however it can (a circuit through a relay abroad, a direct dial),
 * asks the target over it to take the call, and splices the two streams. On every node it
 * takes such a call: the stream becomes an inbound connection whose Noise handshake must prove
 * the caller named in it. Neither relay sees more than Noise ciphertext.
 */
export class ChainService implements Startable {
  private readonly components: ChainComponents
  private readonly init: ChainInit
  private readonly log: Logger
  private readonly perClient = new Map<string, number>()
  private active = 0

  constructor (components: ChainComponents, init: ChainInit = {}) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('hyphae:chain')
  }

  async start (): Promise<void> {
    const options = { maxInboundStreams: MAX_INBOUND_STREAMS, maxOutboundStreams: MAX_OUTBOUND_STREAMS, runOnLimitedConnection: true }
    await this.components.registrar.handle(STOP_PROTOCOL, (stream, connection) => { void this.onStop(stream, connection) }, options)
    if (this.init.hop === true) await this.components.registrar.handle(HOP_PROTOCOL, (stream, connection) => { void this.onHop(stream, connection) }, options)
  }

  async stop (): Promise<void> {
    await this.components.registrar.unhandle(STOP_PROTOCOL)
    if (this.init.hop === true) await this.components.registrar.unhandle(HOP_PROTOCOL)
  }

  private async onHop (stream: Stream, connection: Connection): Promise<void> {
    const client = connection.remotePeer.toString()
    const signal = AbortSignal.timeout(TIMEOUT)
    const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
    const answer = async (status: ChainResponse.Status): Promise<void> => {
      await pb.write({ status }, ChainResponse, { signal })
      if (status !== ChainResponse.Status.OK) await stream.close({ signal })
    }
    const count = this.perClient.get(client) ?? 0
    const counted = this.active < MAX_CHAINS && count < MAX_CHAINS_PER_CLIENT
    let target: Stream | undefined
    try {
      if (!counted) { await answer(ChainResponse.Status.REFUSED); return }
      this.active++
      this.perClient.set(client, count + 1)
      const request = await pb.read(ChainRequest, { signal })
      const peer = parsePeer(request.peer)
      if (peer == null || peer.equals(connection.remotePeer) || peer.equals(this.components.peerId)) { await answer(ChainResponse.Status.MALFORMED); return }
      // only addresses that name the target: the relay dials libp2p peers, nothing else
      const addrs = request.addrs.flatMap(bytes => { try { return [multiaddr(bytes)] } catch { return [] } })
        .filter(a => a.getComponents().findLast(c => c.code === CODE_P2P)?.value === peer.toString())
      target = await this.call(peer, addrs, connection.remotePeer, signal)
      if (target == null) { await answer(ChainResponse.Status.NO_ROUTE); return }
      await answer(ChainResponse.Status.OK)
      this.log('chained %s to %p', client, peer)
      const [a, b] = [pb.unwrap(), target]
      await pipe(a, b, a)
    } catch (err: any) {
      this.log('chain for %s ended - %e', client, err)
      stream.abort(err)
      target?.abort(err)
    } finally {
      if (counted) {
        this.active--
        const left = (this.perClient.get(client) ?? 1) - 1
        if (left <= 0) this.perClient.delete(client)
        else this.perClient.set(client, left)
      }
    }
  }

  /** Reaches `peer` (an open connection, else the addresses given) and asks it to take `caller`. */
  private async call (peer: PeerId, addrs: Multiaddr[], caller: PeerId, signal: AbortSignal): Promise<Stream | undefined> {
    let conn = this.components.connectionManager.getConnections(peer).find(c => c.status === 'open')
    if (conn == null && addrs.length === 0) return undefined
    try {
      conn ??= await this.components.connectionManager.openConnection(addrs, { signal })
      const stream = await conn.newStream(STOP_PROTOCOL, { signal, runOnLimitedConnection: true })
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
      await pb.write({ peer: caller.toMultihash().bytes, addrs: [] }, ChainRequest, { signal })
      const { status } = await pb.read(ChainResponse, { signal })
      if (status !== ChainResponse.Status.OK) { stream.abort(new ChainRefusedError('the target refused')); return undefined }
      return pb.unwrap()
    } catch (err) {
      this.log('cannot reach %p for a chain - %e', peer, err)
      return undefined
    }
  }

  private async onStop (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.timeout(TIMEOUT)
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
      const request = await pb.read(ChainRequest, { signal })
      const caller = parsePeer(request.peer)
      if (caller == null || caller.equals(this.components.peerId)) {
        await pb.write({ status: ChainResponse.Status.MALFORMED }, ChainResponse, { signal })
        await stream.close({ signal })
        return
      }
      await pb.write({ status: ChainResponse.Status.OK }, ChainResponse, { signal })
      // the caller's id ends the address, so the upgrader makes Noise prove it
      const remoteAddr = connection.remoteAddr.encapsulate(`/p2p-circuit/p2p/${caller.toString()}`)
      const maConn = streamToConnection(pb.unwrap(), remoteAddr, this.log.newScope('connection'))
      await this.components.upgrader.upgradeInbound(maConn, { signal })
    } catch (err: any) {
      this.log('refused a chained call over %a - %e', connection.remoteAddr, err)
      stream.abort(err)
    }
  }
}

/** Client side: asks the entry relay over `entry` for a stream to `target`; returns it after OK. */
export async function openHop (entry: Connection, target: PeerId, addrs: Multiaddr[], options: AbortOptions = {}): Promise<Stream> {
  const signal = options.signal ?? AbortSignal.timeout(TIMEOUT)
  const stream = await entry.newStream(HOP_PROTOCOL, { signal })
  try {
    const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
    await pb.write({ peer: target.toMultihash().bytes, addrs: addrs.slice(0, 8).map(a => a.bytes) }, ChainRequest, { signal })
    const { status } = await pb.read(ChainResponse, { signal })
    if (status !== ChainResponse.Status.OK) throw new ChainRefusedError(`the entry relay could not reach ${target.toString()}: ${ChainResponse.Status[status] ?? status}`)
    return pb.unwrap()
  } catch (err: any) {
    stream.abort(err)
    throw err
  }
}

function parsePeer (bytes: Uint8Array): PeerId | undefined {
  try { return peerIdFromMultihash(Digest.decode(bytes)) } catch { return undefined }
}
