/**
 * Preloaded into the action (NODE_OPTIONS=--import) by the proxy tests: appends the address of every
 * outgoing TCP connection the process opens to CONNECT_LOG, whichever library opens it.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

const file = process.env.CONNECT_LOG;
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  if (file && options.port !== undefined) {
    fs.appendFileSync(file, `${options.host ?? 'localhost'}:${options.port}\n`);
  }
  return connect.apply(this, args);
};
