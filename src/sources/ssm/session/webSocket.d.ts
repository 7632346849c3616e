// undici's WebSocket from its own file: the bundles map `undici` to a slim entry without it
// (scripts/undici-slim.cjs), and only the lazy SSM bundle needs a WebSocket.
declare module 'undici/lib/web/websocket/websocket' {
  export { WebSocket } from 'undici';
}
