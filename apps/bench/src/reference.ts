/** Figures from shared/PERFORMANCE.md, measured on machines of this kind. */
export const REFERENCE = {
  /** A hand-written socket.io + pg server: send with ack, 2 envelopes per statement, deliver, delete on ack. */
  handWrittenEnvelopesPerSecond: 2570,
  handWrittenP99AtHalfMs: 14.5,
  /** Prosody (default), two devices per account: deliveries per second. */
  prosodyTwoDeviceDeliveriesPerSecond: 5200,
  /** PostgreSQL raw ceiling, 10 fan-outs per commit, batched deletes. */
  postgresBatchedEnvelopesPerSecond: 33000,
  /** PostgreSQL raw ceiling: one-time key claims (DELETE … SKIP LOCKED … RETURNING), 50 concurrent requesters. */
  postgresOneTimeKeyClaimsPerSecond: 6000,
  /** Issue 14's goal for bundle fetches with key consumption: half of the raw claim ceiling. */
  keyFetchGoalPerSecond: 3000,
  /** ejabberd draining 20,000 stored messages to 200 devices logging in at once. */
  ejabberdOfflineDrainPerSecond: 14200,
  /** socket.io server memory per idle websocket. */
  socketIoBytesPerIdleConnection: 17 * 1024,
  prosodyBytesPerIdleConnection: 37 * 1024,
  /** Tessera's reported append rate on a small cloud SQL instance (issue 13's goal for the key log). */
  tesseraAppendsPerSecond: 2000,
} as const;
