import { Inject, Injectable } from '@nestjs/common';
import { Agent } from 'node:https';
import { sendNotification, WebPushError } from 'web-push';
import { PUSH_WAKE_UP_PAYLOAD } from '@parley/protocol';
import { PARLEY_CONFIG } from '../config/config.module';
import type { ParleyConfig } from '../config/config';
import { guardedLookup } from './endpoint-guard';
import { PushOutcome, PushProvider, StoredSubscription, WakeUpUrgency } from './push-provider';
import { VapidKeys } from './vapid-keys.service';

/**
 * How long a push service keeps a wake-up for a device that is offline
 * (RFC 8030 TTL). A day: the envelopes wait in the queue much longer, and
 * any later wake-up or the device's own next start fetches them anyway.
 */
const WAKE_UP_TTL_SECONDS = 86_400;
/**
 * RFC 8030 Topic: a push service replaces an undelivered wake-up with a
 * newer one of the same topic, so a device that was offline for hours
 * receives one wake-up, not one per interval.
 */
const WAKE_UP_TOPIC = 'parley-fetch';
/** One request to a push service may take this long. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Longest wait a push service's Retry-After is honoured for; beyond it the attempt counts as failed. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) through the `web-push`
 * library: the payload is encrypted to the subscription (aes128gcm, RFC
 * 8291), so only the device reads it, and it is the same constant for
 * every wake-up. Connections go through an agent whose lookup refuses
 * private addresses at connect time (endpoint-guard.ts).
 */
@Injectable()
export class WebPushProvider extends PushProvider {
  private readonly agent: Agent;

  constructor(
    @Inject(PARLEY_CONFIG) private readonly config: ParleyConfig,
    private readonly vapid: VapidKeys,
  ) {
    super();
    this.agent = new Agent({ keepAlive: true, lookup: guardedLookup(config.push.allowPrivateEndpoints) });
  }

  async wake(subscription: StoredSubscription, urgency: WakeUpUrgency): Promise<PushOutcome> {
    const target = {
      endpoint: subscription.endpoint,
      keys: { p256dh: subscription.p256dh.toString('base64url'), auth: subscription.auth.toString('base64url') },
    };
    try {
      const answer = await sendNotification(target, PUSH_WAKE_UP_PAYLOAD, {
        vapidDetails: { subject: this.config.push.vapidSubject, ...this.vapid.keyPair },
        TTL: WAKE_UP_TTL_SECONDS,
        urgency,
        topic: WAKE_UP_TOPIC,
        agent: this.agent,
        timeout: REQUEST_TIMEOUT_MS,
      });
      return { kind: 'delivered', status: answer.statusCode };
    } catch (error) {
      return error instanceof WebPushError ? outcomeOf(error) : { kind: 'retry', status: null };
    }
  }
}

/** RFC 8030 section 8 and RFC 8292: what each answer of a push service means for the subscription. */
function outcomeOf(error: WebPushError): PushOutcome {
  const status = error.statusCode;
  if (status === 404 || status === 410) return { kind: 'gone', status };
  if (status === 429 || status >= 500) {
    const retryAfterMs = retryAfter(error.headers['retry-after']);
    if (retryAfterMs !== undefined && retryAfterMs > MAX_RETRY_AFTER_MS) return { kind: 'failed', status };
    return { kind: 'retry', status, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  // 400, 401/403 (VAPID refused), 413 (payload too large): trying the same request again cannot help.
  return { kind: 'failed', status };
}

/** Retry-After in seconds; the HTTP-date form (rare from push services) falls back to our own backoff. */
const retryAfter = (value: string | string[] | undefined): number | undefined =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
