/** A DHT value that is not a well-formed, validly signed rendezvous record for its key. */
export class InvalidRendezvousRecordError extends Error {
  static name = 'InvalidRendezvousRecordError'
  name = 'InvalidRendezvousRecordError'
}

/** A record that verifies but is not the one asked for (another day or pair: a replay). */
export class StaleRendezvousRecordError extends Error {
  static name = 'StaleRendezvousRecordError'
  name = 'StaleRendezvousRecordError'
}

/** No record of the contact opened: none published, none found, or none genuine. */
export class RendezvousNotFoundError extends Error {
  static name = 'RendezvousNotFoundError'
  name = 'RendezvousNotFoundError'
}

/** The two identities give no shared secret (not Ed25519, or a low-order key). */
export class NoSharedSecretError extends Error {
  static name = 'NoSharedSecretError'
  name = 'NoSharedSecretError'
}
