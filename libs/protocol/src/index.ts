export * from './error-codes';
export * from './wire';
export * from './events';
export * from './address';
export * from './sdk';
export * from './device-list';
export * from './linking-code';
export * from './audit';
