// Loaded into kaic by the package test (NODE_OPTIONS=--import): any attempt to reach the network
// fails loudly, so "works offline" is observed, not assumed.
import net from 'node:net';
const refuse = () => {
  throw new Error('kaic-package-test: network access attempted');
};
globalThis.fetch = async () => refuse();
net.Socket.prototype.connect = refuse;
