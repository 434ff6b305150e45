export * from './api-error';
export * from './token-keeper';
export * from './http-transport';
export * from './parley-client';
export * from './device-socket';
export * from './realtime';
export * from './attachments';
