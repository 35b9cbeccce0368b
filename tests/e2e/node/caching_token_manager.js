// The twilio-node recipe of docs/api.md: a token manager that posts to this server's /v2/token
// and reuses the token until shortly before its `exp`. twilio-node 6.x's own
// ApiTokenManager posts to the hard-coded oauth.twilio.com and fetches a new token for
// every API call.
const twilio = require("twilio");

class CachingTokenManager {
  constructor({ baseUrl, clientId, clientSecret, leewaySeconds = 30 }) {
    this.params = { grantType: "client_credentials", clientId, clientSecret };
    this.leewaySeconds = leewaySeconds;
    this.tokenClient = new twilio.Twilio();
    this.tokenClient.setCredentialProvider(new twilio.NoAuthCredentialProvider());
    this.tokenClient.oauth.baseUrl = baseUrl;
    this.token = null;
    this.expiresAt = 0;
    this.pending = null;
    this.fetched = 0;
  }

  async fetchToken() {
    if (this.token && Date.now() / 1000 < this.expiresAt - this.leewaySeconds) return this.token;
    // One request for every caller waiting at once.
    this.pending ??= this.tokenClient.oauth.v2.token
      .create(this.params)
      .then((token) => {
        const claims = JSON.parse(Buffer.from(token.accessToken.split(".")[1], "base64url"));
        this.token = token.accessToken;
        this.expiresAt = claims.exp;
        this.fetched += 1;
        return this.token;
      })
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }
}

function clientFor({ baseUrl, clientId, clientSecret }) {
  const tokenManager = new CachingTokenManager({ baseUrl, clientId, clientSecret });
  const client = new twilio.Twilio();
  client.setCredentialProvider(
    new twilio.ClientCredentialProviderBuilder()
      .setClientId(clientId)
      .setClientSecret(clientSecret)
      .setTokenManager(tokenManager)
      .build(),
  );
  // The host swap: every domain the app uses, pointed at this server.
  for (const domain of ["iam", "monitor", "oauth"]) client[domain].baseUrl = baseUrl;
  return { client, tokenManager };
}

module.exports = { CachingTokenManager, clientFor };
