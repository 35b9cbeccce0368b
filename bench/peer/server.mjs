// The peer `make bench` measures beside the product: panva's oidc-provider (OpenID
// Certified) issuing RS256 JWT access tokens with the client credentials grant, in memory
// (no per-token write). bench/run.py starts it with:
//   PEER_PORT        port on 127.0.0.1
//   PEER_WORKERS     processes (1: this process serves; more: node:cluster workers sharing the port)
//   PEER_CLIENT_ID, PEER_CLIENT_SECRET   the one client (client_secret_post, as bench/lua/token.lua sends)
//   PEER_RESOURCE    the resource indicator token requests pass (RFC 8707)
import cluster from 'node:cluster';
import { generateKeyPairSync } from 'node:crypto';

import Provider from 'oidc-provider';

const ISSUER = 'https://peer.bench.invalid';
const port = Number(process.env.PEER_PORT || 3000);
const workers = Number(process.env.PEER_WORKERS || 1);

function signingKey() {
  // 2048-bit RSA, the product's signing key size.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'bench-peer', alg: 'RS256', use: 'sig' };
}

function serve(jwk) {
  const resource = process.env.PEER_RESOURCE;
  const provider = new Provider(ISSUER, {
    clients: [
      {
        client_id: process.env.PEER_CLIENT_ID,
        client_secret: process.env.PEER_CLIENT_SECRET,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk] },
    ttl: { ClientCredentials: 3600 }, // one hour, as the product's tokens
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: resource,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  });
  provider.proxy = true; // behind a TLS-terminating proxy, like the product (X-Forwarded-Proto)
  provider.listen(port, '127.0.0.1');
}

if (workers <= 1) {
  serve(signingKey());
} else if (cluster.isPrimary) {
  // One key for every worker, so that any of them verifies what another signed.
  const env = { PEER_JWK: JSON.stringify(signingKey()) }; // added to each worker's environment
  for (let i = 0; i < workers; i += 1) cluster.fork(env);
  cluster.on('exit', () => process.exit(1)); // a dead worker fails the run rather than skewing it
} else {
  serve(JSON.parse(process.env.PEER_JWK));
}
