export * from './app.js';
export * from './config.js';
export * from './RoomStore.js';
export * from './SignalingServer.js';
export * from './TurnService.js';
export * from './signedToken.js';
