export * from './base64';
export * from './key-generation';
export * from './memory-store';
export * from './session-cipher';
