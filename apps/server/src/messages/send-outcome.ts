/** How a send ended: 200 stored (or relayed), 202 accepted for later relay to a peer. */
export interface SendOutcome {
  status: 200 | 202;
  body: Record<string, unknown>;
}
