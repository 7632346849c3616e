// What the bundles get for `import … from 'undici'`: only the connection pools, the request API,
// the connector and the errors. undici's index also loads fetch, WebSocket, EventSource, mocks,
// caches and interceptors: ~225 KB more to parse at every activation, none of it used here.
// test/unit/foundation/bundle.test.ts checks that every name src/ imports from undici is here.
'use strict';
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const api = require('undici/lib/api');

Object.assign(Dispatcher.prototype, api);

module.exports = {
  Dispatcher,
  Client: require('undici/lib/dispatcher/client'),
  Pool: require('undici/lib/dispatcher/pool'),
  buildConnector: require('undici/lib/core/connect'),
  errors: require('undici/lib/core/errors'),
};
