import type { Database } from './database.ts'
import type { AbstractSublevel } from 'abstract-level'

const text = new TextEncoder()
const untext = new TextDecoder()

/** Small profile settings: nickname, the listen addresses bound last time. */
export class MetaStore {
  private readonly db: AbstractSublevel<Database, string | Uint8Array, string, Uint8Array>

  constructor (db: Database) {
    this.db = db.sublevel<string, Uint8Array>('meta', { valueEncoding: 'view' })
  }

  async getJSON<T> (key: string): Promise<T | undefined> {
    const value = await this.db.get(key)
    if (value == null) return undefined
    try {
      return JSON.parse(untext.decode(value))
    } catch {
      return undefined
    }
  }

  async putJSON (key: string, value: unknown): Promise<void> {
    await this.db.put(key, text.encode(JSON.stringify(value)))
  }

  async nickname (): Promise<string | undefined> {
    return this.getJSON<string>('nickname')
  }

  async setNickname (nickname: string): Promise<void> {
    await this.putJSON('nickname', nickname)
  }

  async lastListen (): Promise<string[] | undefined> {
    return this.getJSON<string[]>('listen')
  }

  async setLastListen (addrs: string[]): Promise<void> {
    await this.putJSON('listen', addrs)
  }
}
