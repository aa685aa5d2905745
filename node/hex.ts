export function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export function unhex (text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'))
}
