// undici's WebSocket for the Session Manager data channel: a lazy room, loaded by import() when the
// first session opens (undici's index, which the bundles swap for a slim entry, is not needed).
export { WebSocket } from 'undici/lib/web/websocket/websocket';
