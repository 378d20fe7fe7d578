import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { rawHttp, rawList, rawRequest } from '../../src/cluster/api.js';
import { loadKubeConfig } from '../../src/cluster/connect.js';

// A real TLS server with a certificate the kubeconfig's CA must verify: kaic's requests share one
// keep-alive connection (client-node hands out a new agent per request), and every request still
// carries the kubeconfig's credentials and is still verified against its CA.

function certificate(dir: string): { key: Buffer; cert: Buffer } {
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

test('requests share one verified TLS connection and each carries the credentials', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kaic-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { key, cert } = certificate(dir);
  let connections = 0;
  let expired = 0;
  const auth: (string | undefined)[] = [];
  const server = createServer({ key, cert }, (req, res) => {
    auth.push(req.headers.authorization);
    res.setHeader('content-type', 'application/json');
    // Two pages of nodes, then a plain object.
    if (req.url?.startsWith('/api/v1/nodes')) {
      const second = req.url.includes('continue=');
      // The first continue token has expired (etcd compacted): the read starts again, once.
      if (second && !expired++) {
        res.statusCode = 410;
        res.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' }));
        return;
      }
      res.end(JSON.stringify({ metadata: { resourceVersion: '7', ...(second ? {} : { continue: 'next' }) }, items: [{ metadata: { name: second ? 'b' : 'a', managedFields: [{}] }, status: { images: [{ names: ['registry.k8s.io/pause:3.10'], sizeBytes: 1 }], allocatable: { cpu: '4' } } }] }));
      return;
    }
    res.end(JSON.stringify({ gitVersion: 'v1.37.2' }));
  });
  server.on('secureConnection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = join(dir, 'kubeconfig');
  const ca = cert.toString('base64');
  writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", certificate-authority-data: ${ca}}}]\nusers: [{name: u, user: {token: s3cr3t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
  const kc = loadKubeConfig({ kubeconfig });

  for (let i = 0; i < 5; i++) assert.deepEqual(await rawRequest(kc, 'GET', '/version'), { gitVersion: 'v1.37.2' });
  const nodes = await rawList<{ metadata: { name: string; managedFields?: unknown }; status: { images?: unknown; allocatable?: unknown } }>(kc, '/api/v1/nodes');
  assert.deepEqual(nodes.items.map((n) => n.metadata.name), ['a', 'b']);
  assert.ok(nodes.items.every((n) => n.metadata.managedFields === undefined && n.status.images === undefined), 'managedFields and image lists are dropped');
  assert.deepEqual(nodes.items[0]!.status.allocatable, { cpu: '4' });
  assert.equal(expired, 2, 'the expired token was met once, and the read restarted');
  assert.equal(auth.length, 9);
  assert.ok(auth.every((a) => a === 'Bearer s3cr3t'), `every request carries the token: ${auth.join(', ')}`);
  assert.equal(connections, 1, `9 sequential requests over ${connections} TLS connection(s)`);

  // A server whose certificate the CA does not vouch for is refused, with the shared agent too.
  const other = certificate(mkdtempSync(join(dir, 'other-')));
  const rogue = createServer(other, (req, res) => {
    if (req.url === '/stream') {
      // An answer without end: a bounded read stops and drops the connection.
      res.write('x'.repeat(4096));
      const t = setInterval(() => res.write('x'.repeat(4096)), 10);
      res.on('close', () => clearInterval(t));
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end('{"rogue":true}');
  });
  let rogueConnections = 0;
  rogue.on('secureConnection', () => rogueConnections++);
  await new Promise<void>((r) => rogue.listen(0, '127.0.0.1', r));
  t.after(() => rogue.close());
  const roguePort = (rogue.address() as AddressInfo).port;
  const moved = readFileSync(kubeconfig, 'utf8').replace(`127.0.0.1:${port}`, `127.0.0.1:${roguePort}`);
  writeFileSync(kubeconfig, moved);
  await assert.rejects(rawRequest(loadKubeConfig({ kubeconfig }), 'GET', '/version', undefined, { retryForMs: 0 }), /SELF_SIGNED|certificate|verify/i);

  // The same kubeconfig object, reloaded with a new CA (rotated credentials): a new agent, the new CA.
  kc.loadFromString(moved.replace(ca, other.cert.toString('base64')));
  const before = rogueConnections;
  assert.deepEqual(await rawRequest(kc, 'GET', '/version'), { rogue: true });
  const r = await rawHttp(kc, 'GET', '/stream', undefined, { maxBytes: 20_000 });
  assert.equal(r.truncated, true);
  assert.ok(r.body.length <= 20_000);
  // The unfinished answer's connection is not reused: the next request is answered on another one.
  assert.deepEqual(await rawRequest(kc, 'GET', '/version'), { rogue: true });
  assert.equal(rogueConnections - before, 2, `a truncated answer's connection is dropped (${rogueConnections - before} connections)`);
});
