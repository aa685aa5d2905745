import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { xchachaOpen, xchachaSeal } from '../../../protocols/dm/xchacha.ts'

const random = (n: number): Uint8Array => Uint8Array.from(randomBytes(n))

describe('XChaCha20-Poly1305 on node\'s native cipher', () => {
  it('matches the draft\'s test vector (draft-irtf-cfrg-xchacha-03, A.3.1)', () => {
    const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s/g, ''), 'hex'))
    const plaintext = new TextEncoder().encode('Ladies and Gentlemen of the class of \'99: If I could offer you only one tip for the future, sunscreen would be it.')
    const aad = hex('50515253c0c1c2c3c4c5c6c7')
    const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
    const nonce = hex('404142434445464748494a4b4c4d4e4f5051525354555657')
    const sealed = xchachaSeal(key, nonce, aad, plaintext)
    assert.equal(Buffer.from(sealed.subarray(0, 16)).toString('hex'), 'bd6d179d3e83d43b9576579493c0e939')
    assert.equal(Buffer.from(sealed.subarray(-16)).toString('hex'), 'c0875924c1c7987947deafd8780acf49')
  })

  it('gives the same bytes as @noble/ciphers both ways, for sizes 0 to 70 KiB', () => {
    for (const size of [0, 1, 15, 16, 63, 64, 65, 1024, 1500, 70_000]) {
      const key = random(32)
      const nonce = random(24)
      const aad = random(size % 97)
      const plaintext = random(size)
      const ours = xchachaSeal(key, nonce, aad, plaintext)
      const theirs = xchacha20poly1305(key, nonce, aad).encrypt(plaintext)
      assert.deepEqual(ours, theirs, `sealed, ${size} bytes`)
      assert.deepEqual(xchachaOpen(key, nonce, aad, theirs), plaintext, `opened, ${size} bytes`)
    }
  })

  it('refuses a changed byte of ciphertext, tag, aad, nonce or key', () => {
    const key = random(32)
    const nonce = random(24)
    const aad = random(20)
    const sealed = xchachaSeal(key, nonce, aad, random(100))
    const flip = (bytes: Uint8Array, i: number): Uint8Array => { const c = Uint8Array.from(bytes); c[i] ^= 1; return c }
    assert.throws(() => xchachaOpen(key, nonce, aad, flip(sealed, 3)))
    assert.throws(() => xchachaOpen(key, nonce, aad, flip(sealed, sealed.length - 1)))
    assert.throws(() => xchachaOpen(key, nonce, flip(aad, 0), sealed))
    assert.throws(() => xchachaOpen(key, flip(nonce, 0), aad, sealed))
    assert.throws(() => xchachaOpen(key, flip(nonce, 23), aad, sealed))
    assert.throws(() => xchachaOpen(flip(key, 31), nonce, aad, sealed))
    assert.throws(() => xchachaOpen(key, nonce, aad, sealed.subarray(0, 10)))
  })
})
