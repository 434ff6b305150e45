export * from './checkpoint';
export * from './cosignature';
export * from './errors';
export * from './key-leaf';
export * from './proof-verification';
export * from './rfc6962';
export * from './signed-note';
export * from './stored-tree';
