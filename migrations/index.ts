import { CoreSchema1732435200000 } from './1732435200000-CoreSchema';
import { EnvelopeQueue1732435300000 } from './1732435300000-EnvelopeQueue';
import { Federation1732435400000 } from './1732435400000-Federation';
import { SpentRefreshHash1732435500000 } from './1732435500000-SpentRefreshHash';
import { AccountIdentity1733200000000 } from './1733200000000-AccountIdentity';
import { AuditLog1733300000000 } from './1733300000000-AuditLog';
import { IdempotentSends1733400000000 } from './1733400000000-IdempotentSends';
import { Attachments1733500000000 } from './1733500000000-Attachments';
import { RevokedSessions1733600000000 } from './1733600000000-RevokedSessions';
import { KeyTransparency1733700000000 } from './1733700000000-KeyTransparency';
import { Witnesses1733800000000 } from './1733800000000-Witnesses';
import { InboxCommitsWithEnvelopes1733900000000 } from './1733900000000-InboxCommitsWithEnvelopes';
import { ResponseSignatureFailures1734000000000 } from './1734000000000-ResponseSignatureFailures';
import { DeliveryFailures1734100000000 } from './1734100000000-DeliveryFailures';
import { ServerKeyRotation1734200000000 } from './1734200000000-ServerKeyRotation';
import { PushSubscriptions1734300000000 } from './1734300000000-PushSubscriptions';
import { Backups1734400000000 } from './1734400000000-Backups';
import { BackupPins1734400000001 } from './1734400000001-BackupPins';

/** Every migration, oldest first. Run at start-up; the schema is never synchronized. */
export const MIGRATIONS = [
  CoreSchema1732435200000,
  EnvelopeQueue1732435300000,
  Federation1732435400000,
  SpentRefreshHash1732435500000,
  AccountIdentity1733200000000,
  AuditLog1733300000000,
  IdempotentSends1733400000000,
  Attachments1733500000000,
  RevokedSessions1733600000000,
  KeyTransparency1733700000000,
  Witnesses1733800000000,
  InboxCommitsWithEnvelopes1733900000000,
  ResponseSignatureFailures1734000000000,
  DeliveryFailures1734100000000,
  ServerKeyRotation1734200000000,
  PushSubscriptions1734300000000,
  Backups1734400000000,
  BackupPins1734400000001,
];
