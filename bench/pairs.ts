/**
 * Two nodes on loopback, four ways: a bare stream (echo or sink), the DM protocol alone on bare
 * libp2p with an in-memory onMessage, and two full hyphae messengers that are each other's
 * contacts. The DM benches measure the same traffic over each.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { lpStream, type LengthPrefixedStream } from '@libp2p/utils'
import { AckStatus, directMessages, type DirectMessages } from '../protocols/dm/index.ts'
import { ratchetParty } from './ratchet-party.ts'
import { addressOf, createNetwork, type Network, type NodeInit } from '../test/fixtures/index.ts'
import { JsonLineChild } from './child.ts'
import { createBareNode, ECHO_PROTOCOL, handleEcho, handleSink, MAX_BENCH_FRAME, SINK_PROTOCOL, stopAll } from './bare.ts'
import type { HyphaeMessenger } from '../node/hyphae-messenger.ts'
import type { ReceiptEvent } from '../node/messenger.ts'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'

export const MESSAGE_BYTES = 1024

/** 1 KiB of printable text: what a messenger body of that size looks like. */
export function messageText (i: number): string {
  const head = `bench message ${i} `
  return head + 'x'.repeat(MESSAGE_BYTES - head.length)
}

export function payload (): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(MESSAGE_BYTES))
}

export interface EchoPair {
  lp: LengthPrefixedStream<Stream>
  stop(): Promise<void>
}

/** Two bare nodes and one long-lived echo stream from the first to the second. */
export async function echoPair (): Promise<EchoPair> {
  const [a, b] = await Promise.all([createBareNode(), createBareNode()])
  try {
    await handleEcho(b)
    const stream = await a.dialProtocol(b.getMultiaddrs(), ECHO_PROTOCOL)
    return { lp: lpStream(stream, { maxDataLength: MAX_BENCH_FRAME }), stop: async () => stopAll([a, b]) }
  } catch (err) {
    await stopAll([a, b])
    throw err
  }
}

export interface SinkPair {
  lp: LengthPrefixedStream<Stream>
  /** resolves once the receiver has read `count` frames in total */
  received(count: number): Promise<void>
  stop(): Promise<void>
}

/** Two bare nodes and one long-lived one-way stream whose receiver counts frames. */
export async function sinkPair (): Promise<SinkPair> {
  const [a, b] = await Promise.all([createBareNode(), createBareNode()])
  let seen = 0
  const waiters: Array<{ count: number, resolve: () => void }> = []
  try {
    await handleSink(b, count => {
      seen = count
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i].count <= seen) { waiters[i].resolve(); waiters.splice(i, 1) }
      }
    })
    const stream = await a.dialProtocol(b.getMultiaddrs(), SINK_PROTOCOL)
    return {
      lp: lpStream(stream, { maxDataLength: MAX_BENCH_FRAME }),
      received: async count => {
        if (seen >= count) return
        await new Promise<void>(resolve => { waiters.push({ count, resolve }) })
      },
      stop: async () => stopAll([a, b])
    }
  } catch (err) {
    await stopAll([a, b])
    throw err
  }
}

export interface DmPair {
  sender: Libp2p<{ dm: DirectMessages }>
  receiver: Libp2p<{ dm: DirectMessages }>
  senderKey: PrivateKey
  receiverKey: PrivateKey
  /** envelopes the receiver's in-memory onMessage has taken */
  received(): number
  /** seals `body` and sends it; resolves with the ack */
  send(body: string, lamport: bigint, signal?: AbortSignal): Promise<AckStatus>
  stop(): Promise<void>
}

/**
 * The DM protocol alone: bare libp2p (TCP, Noise, yamux, identify) with the dm service on
 * both, and an onMessage that keeps nothing. Sealing and opening are included, with the
 * ratchet's state written to a level database per side; the messages themselves are not stored.
 */
export async function dmPair (): Promise<DmPair> {
  const make = async (key: PrivateKey): Promise<Libp2p<{ dm: DirectMessages }>> =>
    createBareNode<{ dm: DirectMessages }>({ identify: identify(), dm: directMessages() } as any, { privateKey: key })
  const [senderKey, receiverKey] = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
  const [sender, receiver] = await Promise.all([make(senderKey), make(receiverKey)])
  const [alice, bob] = await Promise.all([ratchetParty(senderKey), ratchetParty(receiverKey)])
  let count = 0
  receiver.services.dm.onMessage = async (_from, envelope) => {
    await bob.open(envelope)
    count++
    return AckStatus.STORED
  }
  try {
    await sender.dial(receiver.getMultiaddrs())
  } catch (err) {
    await stopAll([sender, receiver])
    await Promise.all([alice.close(), bob.close()])
    throw err
  }
  return {
    sender,
    receiver,
    senderKey,
    receiverKey,
    received: () => count,
    send: async (body, lamport, signal) => {
      const envelope = await alice.seal(bob, senderKey, body, lamport)
      return sender.services.dm.send(receiver.peerId, envelope, { signal })
    },
    stop: async () => {
      await stopAll([sender, receiver])
      await Promise.all([alice.close(), bob.close()])
    }
  }
}

/** Notes when each of a messenger's messages was reported delivered. */
export class DeliveryWatch {
  private readonly node: HyphaeMessenger
  private readonly delivered = new Map<string, number>()
  private readonly waiters = new Map<string, () => void>()
  private readonly onReceipt = (evt: CustomEvent<ReceiptEvent>): void => {
    if (evt.detail.status !== 'delivered') return
    this.delivered.set(evt.detail.id, performance.now())
    this.waiters.get(evt.detail.id)?.()
  }

  constructor (node: HyphaeMessenger) {
    this.node = node
    node.addEventListener('receipt', this.onReceipt)
  }

  get count (): number {
    return this.delivered.size
  }

  /** Resolves with the time (performance.now()) message `id` was reported delivered. */
  async deliveredAt (id: string, timeoutMs = 30_000): Promise<number> {
    const at = this.delivered.get(id)
    if (at != null) return at
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id)
        reject(new Error(`message ${id} not delivered within ${timeoutMs} ms`))
      }, timeoutMs)
      this.waiters.set(id, () => {
        clearTimeout(timer)
        this.waiters.delete(id)
        resolve(this.delivered.get(id) ?? performance.now())
      })
    })
  }

  forget (): void {
    this.delivered.clear()
  }

  detach (): void {
    this.node.removeEventListener('receipt', this.onReceipt)
  }
}

export interface MessengerPair {
  network: Network
  sender: HyphaeMessenger
  receiver: HyphaeMessenger
  watch: DeliveryWatch
  stop(): Promise<void>
}

/**
 * Two messengers (on-disk profiles, loopback TCP, no mDNS) that are each other's contacts,
 * connected. `init` goes to both (e.g. `{ relayClient: false }`). Benches address the receiver
 * by peer id: a nickname would add a scan of the contact list to every send.
 */
export async function messengerPair (init: NodeInit = {}): Promise<MessengerPair> {
  const network = await createNetwork(2, { init })
  const [sender, receiver] = network.nodes
  try {
    await sender.addContact((await receiver.id()).invite, 'receiver')
    await receiver.addContact((await sender.id()).invite, 'sender')
    await sender.connect(addressOf(receiver))
  } catch (err) {
    await network.stop()
    throw err
  }
  const watch = new DeliveryWatch(sender)
  return {
    network,
    sender,
    receiver,
    watch,
    stop: async () => {
      watch.detach()
      await network.stop()
    }
  }
}

export interface SplitMessengerPair {
  sender: HyphaeMessenger
  /** the receiver's peer id: it runs in another process */
  receiver: string
  watch: DeliveryWatch
  stop(): Promise<void>
}

/**
 * A messenger pair with the receiver in a process of its own (bench/dm-receiver.ts), as two
 * users on two machines are: each end has its own thread (and, here, its own core).
 */
export async function splitMessengerPair (init: NodeInit = { relayClient: false }): Promise<SplitMessengerPair> {
  const child = new JsonLineChild(process.execPath, ['--import', 'tsx', 'bench/dm-receiver.ts'])
  let network: Network | undefined
  try {
    const ready = (await child.next(v => v.event === 'ready')).value
    network = await createNetwork(1, { init })
    const sender = network.nodes[0]
    await sender.addContact(ready.invite, 'receiver')
    child.process.stdin!.write(JSON.stringify({ invite: (await sender.id()).invite }) + '\n')
    await child.next(v => v.event === 'added' || v.event === 'error')
    if (child.values().some(v => v.event === 'error')) throw new Error(`the receiver could not add the sender: ${JSON.stringify(child.values())}`)
    await sender.connect(ready.addr)
    const watch = new DeliveryWatch(sender)
    const net = network
    return {
      sender,
      receiver: (await sender.listContacts())[0].peerId,
      watch,
      stop: async () => {
        watch.detach()
        await net.stop()
        child.process.stdin!.end()
        await child.stop()
      }
    }
  } catch (err) {
    await network?.stop().catch(() => {})
    await child.stop()
    throw err
  }
}
