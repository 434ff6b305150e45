import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every Prometheus metric of the server, in one registry served at GET /metrics. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'parley_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  readonly oneTimeKeysClaimed = new Counter({
    name: 'parley_one_time_prekeys_claimed_total',
    help: 'One-time prekeys handed out, by kind (ec, kyber)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly oneTimeKeysExhausted = new Counter({
    name: 'parley_one_time_prekeys_exhausted_total',
    help: 'Bundle fetches that found no one-time key left, by kind (ec: preKey null; kyber: last-resort key used)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly envelopesAccepted = new Counter({
    name: 'parley_envelopes_accepted_total',
    help: 'Envelopes accepted for delivery',
    registers: [this.registry],
  });
  readonly fanoutStoreSeconds = new Histogram({
    name: 'parley_fanout_store_seconds',
    help: 'From accepting a fan-out to its envelopes being durably queued and signalled to their devices',
    registers: [this.registry],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  });
  readonly envelopesDelivered = new Counter({
    name: 'parley_envelopes_acked_total',
    help: 'Envelopes acknowledged by their device and deleted',
    registers: [this.registry],
  });
  readonly connectedDevices = new Gauge({
    name: 'parley_connected_sockets',
    help: 'Sockets connected to this process',
    registers: [this.registry],
  });

  // Push wake-ups (docs/API.md section 9).
  readonly pushWakeUps = new Counter({
    name: 'parley_push_wake_ups_total',
    help: 'Wake-ups by outcome: sent (the push service accepted it), failed (refused, or retries exhausted), dropped (404/410: subscription gone)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly pushWakeUpSeconds = new Histogram({
    name: 'parley_push_wake_up_seconds',
    help: 'From storing an envelope for a device that is not connected to its push service accepting the wake-up (retries included)',
    registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

  // Federation (docs/FEDERATION.md, "Metrics").
  readonly federationOutboxDepth = new Gauge({
    name: 'parley_federation_outbox_depth',
    help: 'Sends waiting in the federation outbox, by peer (refreshed by the outbox worker)',
    labelNames: ['peer'] as const,
    registers: [this.registry],
  });
  readonly federationOutboxOldestAge = new Gauge({
    name: 'parley_federation_outbox_oldest_age_seconds',
    help: 'Age of the oldest send waiting in the federation outbox, by peer; 0 when none waits (refreshed by the outbox worker)',
    labelNames: ['peer'] as const,
    registers: [this.registry],
  });
  readonly federationResponseSignatureFailures = new Counter({
    name: 'parley_federation_response_signature_failures_total',
    help: "Answers from a peer refused because they were not signed by the peer's key for our request (unsigned, badly signed, replayed)",
    labelNames: ['peer'] as const,
    registers: [this.registry],
  });
  readonly federationPeerKeyRotations = new Counter({
    name: 'parley_federation_peer_key_rotations_total',
    help: "A peer's key changes by outcome: followed (a valid chain of rotation statements from the pinned key), refused (no valid chain), configured (a valid chain from a key given in PARLEY_PEERS, which is not replaced)",
    labelNames: ['peer', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly federationFailures = new Counter({
    name: 'parley_federation_failures_total',
    help: 'Failed server-to-server requests by peer and reason (unreachable, timeout, bad_response_signature, no_peer_key, http_<status>, expired)',
    labelNames: ['peer', 'reason'] as const,
    registers: [this.registry],
  });
  readonly federationLastSuccess = new Gauge({
    name: 'parley_federation_last_success_timestamp_seconds',
    help: 'When this process last got a success answer from the peer (unix seconds)',
    labelNames: ['peer'] as const,
    registers: [this.registry],
  });
  readonly federationSends = new Counter({
    name: 'parley_federation_sends_total',
    help: 'Outgoing fan-outs by peer and outcome (relayed, queued, retried, refused, expired)',
    labelNames: ['peer', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly federationInbound = new Counter({
    name: 'parley_federation_inbound_total',
    help: 'Incoming server-to-server requests by outcome (accepted, duplicate, rejected_<reason>)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  // Witnessing (docs/FEDERATION.md, "Witnessing key logs").
  readonly witnessRequests = new Counter({
    name: 'parley_witness_requests_total',
    help: "Peers' add-checkpoint submissions to this witness by log and outcome (cosigned, or the refusal's error code)",
    labelNames: ['log', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly witnessEquivocations = new Counter({
    name: 'parley_witness_equivocations_total',
    help: 'Equivocations caught by this witness, by log, kind (fork, inconsistent) and source (submission, gossip)',
    labelNames: ['log', 'kind', 'source'] as const,
    registers: [this.registry],
  });
  readonly witnessSubmissions = new Counter({
    name: 'parley_witness_submissions_total',
    help: "Submissions of this server's key log checkpoint to peers by peer and outcome (cosigned, conflict, refused, failed)",
    labelNames: ['peer', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'parley_' });
  }
}
