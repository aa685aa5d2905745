export class FileNotFoundError extends Error {
  static name = 'FileNotFoundError'
  name = 'FileNotFoundError'
  constructor (id: string) {
    super(`no file ${JSON.stringify(id)} (see files list)`)
  }
}

export class FileTooLargeError extends Error {
  static name = 'FileTooLargeError'
  name = 'FileTooLargeError'
  constructor (size: number, max: number, whose = 'the limit') {
    super(`the file is ${size} bytes, more than ${whose} of ${max}`)
  }
}

export class InsufficientSpaceError extends Error {
  static name = 'InsufficientSpaceError'
  name = 'InsufficientSpaceError'
  constructor (needed: number, free: number, where: string) {
    super(`the file needs ${needed} bytes in ${where}, and only ${free} are free`)
  }
}

export class FileStateError extends Error {
  static name = 'FileStateError'
  name = 'FileStateError'
}
