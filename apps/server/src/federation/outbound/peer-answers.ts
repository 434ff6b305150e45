import { ErrorCode } from '@parley/protocol';
import { codeForStatus, STATUS_BY_CODE } from '../../common/global-exception.filter';
import { ParleyException } from '../../common/parley.exception';
import type { PeerAnswer } from './federation.client';

export const CLAIM_PATH = '/federation/v1/keys/claim';
export const MESSAGES_PATH = '/federation/v1/messages';
export const WITNESS_PATH = '/federation/v1/witness/add-checkpoint';

/**
 * Peer answers that are a final word about a request: retrying the same
 * request cannot change them. Passed back to a waiting client verbatim; for
 * a queued send they become `delivery:failed`. 429 is final for a waiting
 * client (it has Retry-After and retries itself) but not for the outbox,
 * which retries it.
 */
export const FINAL_STATUSES = new Set([400, 404, 409, 410, 413]);

export const isSuccess = (answer: PeerAnswer) => answer.reached && answer.status >= 200 && answer.status < 300;

export const isFinalForClient = (answer: PeerAnswer): answer is Extract<PeerAnswer, { reached: true }> =>
  answer.reached && (FINAL_STATUSES.has(answer.status) || answer.status === 429);

/**
 * The peer's error answer as our own: same code, hence same status, and
 * same body (`error`, `message` and every other field). A code this
 * server does not know, or one the peer answered with another status, is
 * replaced by ours for that status.
 */
export function peerRefusal(answer: Extract<PeerAnswer, { reached: true }>): ParleyException {
  const { error, message, ...extra } = answer.body;
  const known = typeof error === 'string' && STATUS_BY_CODE[error as ErrorCode] === answer.status;
  return new ParleyException(
    known ? (error as ErrorCode) : codeForStatus(answer.status),
    typeof message === 'string' ? message : `refused by the remote server (${answer.status})`,
    extra,
    answer.retryAfterMs,
  );
}
