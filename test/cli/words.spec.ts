import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatConversation, inTimeOrder, removalWords, statusWords } from '../../cli/words.ts'
import type { GroupInfo, GroupMessageRecord, MessageRecord } from '../../node/messenger.ts'

const T0 = Date.UTC(2026, 0, 2, 10, 0, 0)

const message = (id: string, direction: 'in' | 'out', body: string, extra: Partial<MessageRecord> = {}): MessageRecord => ({
  id, conversation: 'c', direction, body, lamport: 1, sentAt: T0, storedAt: T0, status: direction === 'out' ? 'delivered' : 'received', ...extra
} as MessageRecord)

const groupRecord = (id: string, kind: GroupMessageRecord['kind'], author: string, sentAt: number, lamport: number): GroupMessageRecord => ({
  id, group: 'g', author, direction: author === 'me' ? 'out' : 'in', kind, body: '', lamport, sentAt, storedAt: sentAt, status: 'received', hash: '', prev: ''
} as GroupMessageRecord)

describe('the words the command line uses', () => {
  it('sent says the message is in a relay mailbox, not yet delivered', () => {
    assert.match(statusWords('sent'), /relay mailbox/)
    assert.match(statusWords('sent'), /not yet with them/)
    assert.match(statusWords('delivered'), /they have it/)
    const lines = formatConversation([message('a'.repeat(32), 'out', 'hi', { status: 'sent' })], { me: 'me', them: 'bob' })
    assert.deepEqual(lines, ['2026-01-02 10:00:00  me: hi [in their mailbox]'])
  })

  it('a reply shows the message it answers', () => {
    const question = message('q'.repeat(32), 'in', 'lunch at noon?\nor later')
    const answer = message('r'.repeat(32), 'out', 'noon is good', { replyTo: question.id, sentAt: T0 + 60_000 })
    const orphan = message('s'.repeat(32), 'in', 'about that', { replyTo: 'f'.repeat(32), sentAt: T0 + 120_000 })
    assert.deepEqual(formatConversation([question, answer, orphan], { me: 'me', them: 'bob' }), [
      '2026-01-02 10:00:00  bob: lunch at noon?\n    or later',
      '                     ↱ replying to bob: "lunch at noon? or later"',
      '2026-01-02 10:01:00  me: noon is good [delivered]',
      '                     ↱ replying to message ffffffff (not on this page)',
      '2026-01-02 10:02:00  bob: about that'
    ])
  })

  it('group history in the order it happened, not Lamport order', () => {
    // my join has the lower clock but came after alice's
    const page = [groupRecord('1', 'join', 'me', T0 + 5_000, 1), groupRecord('2', 'join', 'alice', T0, 2), groupRecord('3', 'text', 'alice', T0 + 9_000, 3)]
    assert.deepEqual(inTimeOrder(page).map(r => `${r.author} ${r.kind}`), ['alice join', 'me join', 'alice text'])
  })

  it('a removal counts the members left, with no "0 other members"', () => {
    const group = (members: number): GroupInfo => ({ name: 'friends', members, epoch: 1 } as GroupInfo)
    assert.equal(removalWords('bob', group(1)), 'removed bob from friends; you are its only member now, on a new key (epoch 1) that bob never gets')
    assert.equal(removalWords('bob', group(2)), 'removed bob from friends; you and the 1 other member move to a new key (epoch 1) that bob never gets')
    assert.match(removalWords('bob', group(4)), /you and the 3 other members move/)
  })
})
