/**
 * The Merkle tree over a file's encrypted chunks. Its root, carried in the (end-to-end
 * encrypted) offer, names the file and checks every chunk on arrival with the path that comes
 * with it, whoever serves it: a chunk that does not hash up to the root is refused.
 *
 * Layout: a complete binary tree over P = the next power of two >= n leaves, in an array (node 1
 * the root, node k's children 2k and 2k+1, leaf i at P + i); leaves past n are 32 zero bytes.
 * Leaf and inner hashes are domain-separated (0x00 / 0x01), and a leaf names its index, so no
 * chunk can stand for an inner node or for another index.
 */
import { createHash } from 'node:crypto'

export const HASH_BYTES = 32
const EMPTY = new Uint8Array(HASH_BYTES)

export function leafHash (index: number, data: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(5)
  new DataView(prefix.buffer).setUint32(1, index)
  return createHash('sha256').update(prefix).update(data).digest()
}

function nodeHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(new Uint8Array([1])).update(left).update(right).digest()
}

export function width (n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/** Hashes in a path for a tree of `n` leaves. */
export function depth (n: number): number {
  return Math.log2(width(n))
}

/** Whether `leaf` at `index` hashes up to `root` through `proof` (siblings, leaf level first). */
export function verifyProof (root: Uint8Array, n: number, index: number, leaf: Uint8Array, proof: Uint8Array[]): boolean {
  if (index < 0 || index >= n || proof.length !== depth(n)) return false
  let hash = leaf
  let k = width(n) + index
  for (const sibling of proof) {
    if (sibling.byteLength !== HASH_BYTES) return false
    hash = (k & 1) === 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash)
    k >>= 1
  }
  return equal(hash, root)
}

/**
 * The tree as one peer knows it: all of it (the author), or the paths of the chunks it has
 * checked (a receiver, who can then serve those chunks to others with their paths).
 */
export class MerkleTree {
  readonly n: number
  readonly p: number
  /** 2P hashes, node k at k * 32; unknown nodes are zero */
  readonly nodes: Uint8Array

  constructor (n: number, nodes?: Uint8Array) {
    this.n = n
    this.p = width(n)
    this.nodes = nodes ?? new Uint8Array(2 * this.p * HASH_BYTES)
    if (this.nodes.byteLength !== 2 * this.p * HASH_BYTES) throw new RangeError('tree of the wrong size')
  }

  static build (leaves: Uint8Array[]): MerkleTree {
    const tree = new MerkleTree(Math.max(1, leaves.length))
    leaves.forEach((leaf, i) => { tree.set(tree.p + i, leaf) })
    for (let k = tree.p - 1; k >= 1; k--) tree.set(k, nodeHash(tree.get(2 * k), tree.get(2 * k + 1)))
    return tree
  }

  get (k: number): Uint8Array {
    if (k >= this.p + this.n) return EMPTY
    return this.nodes.subarray(k * HASH_BYTES, (k + 1) * HASH_BYTES)
  }

  private set (k: number, hash: Uint8Array): void {
    this.nodes.set(hash, k * HASH_BYTES)
  }

  root (): Uint8Array {
    return Uint8Array.from(this.get(1))
  }

  leaf (index: number): Uint8Array {
    return this.get(this.p + index)
  }

  /** The path of chunk `index`: known for every chunk this peer has checked (or built). */
  proof (index: number): Uint8Array[] {
    const proof: Uint8Array[] = []
    for (let k = this.p + index; k > 1; k >>= 1) proof.push(Uint8Array.from(this.get(k ^ 1)))
    return proof
  }

  /** Records a checked chunk's leaf and path (and the inner nodes they give) for serving it later. */
  absorb (index: number, leaf: Uint8Array, proof: Uint8Array[]): void {
    let k = this.p + index
    let hash = leaf
    this.set(k, leaf)
    for (const sibling of proof) {
      if ((k ^ 1) < this.p + this.n) this.set(k ^ 1, sibling)
      hash = (k & 1) === 0 ? nodeHash(hash, sibling) : nodeHash(sibling, hash)
      k >>= 1
      this.set(k, hash)
    }
  }
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= a[i] ^ b[i]
  return diff === 0
}
