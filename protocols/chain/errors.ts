export class ChainRefusedError extends Error {
  static name = 'ChainRefusedError'
  name = 'ChainRefusedError'
}
