import { CoreSchema1732435200000 } from './1732435200000-CoreSchema';

/** Every migration, oldest first. Run at start-up; the schema is never synchronized. */
export const MIGRATIONS = [CoreSchema1732435200000];
