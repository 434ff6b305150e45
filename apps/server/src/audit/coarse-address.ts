import { networkOf } from '../common/client-network';

/**
 * The network a client address belongs to, for the audit log: IPv4 /24,
 * IPv6 /48. Enough for a user to tell "my home" from "somewhere else",
 * without the log keeping anyone's exact address.
 */
export const coarseAddress = (ip: string): string => networkOf(ip, { v4: 24, v6: 48 });
