// Run by tests/e2e/test_twilio_node.py: twilio-node 6.x's typed request objects, Monitor
// paging and oauth.v2.token.create against a live server, through the recipe in docs/api.md.
// Prints one JSON document with what it saw.
const {
  IamV1AccountVendorOauthAppCreateRequest,
  IamV1AccountVendorOauthAppUpdateRequest,
} = require("twilio/lib/rest/iam/v1/oAuthApp");
const { clientFor } = require("./caching_token_manager");

async function main() {
  const { BASE_URL: baseUrl, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, ACCOUNT_SID: accountSid } =
    process.env;
  const { client, tokenManager } = clientFor({ baseUrl, clientId, clientSecret });

  const created = await client.iam.v1.oAuthApps.create(
    new IamV1AccountVendorOauthAppCreateRequest({
      type: "client_credentials",
      friendly_name: "From twilio-node",
      description: "Typed request objects",
      owner_sid: accountSid,
      policy: { allow: ["/twilio/monitor/events/list"], deny: [] },
      access_token_ttl: 600,
    }),
  );
  const updated = await client.iam.v1
    .oAuthApps(created.sid)
    .update(new IamV1AccountVendorOauthAppUpdateRequest({ friendly_name: "Renamed by twilio-node", access_token_ttl: 1200 }));

  const pages = [];
  let page = await client.monitor.v1.events.page({ pageSize: 2 });
  while (page) {
    pages.push(page.instances.map((event) => event.sid));
    page = await page.nextPage();
  }
  const listed = await client.monitor.v1.events.list({ pageSize: 2 });

  const ownToken = await client.oauth.v2.token.create({
    grantType: "client_credentials",
    clientId: created.sid,
    clientSecret: created.secret,
  });

  let unknownKeyError = null;
  try {
    await client.iam.v1.oAuthApps(created.sid).update({ friendlyName: "x", notAField: 1 });
  } catch (error) {
    unknownKeyError = { status: error.status, message: error.message };
  }

  console.log(
    JSON.stringify({
      created: { sid: created.sid, friendlyName: created.friendlyName, accessTokenTtl: created.accessTokenTtl, secretLength: created.secret.length },
      updated: { friendlyName: updated.friendlyName, accessTokenTtl: updated.accessTokenTtl, description: updated.description },
      pages,
      listed: listed.map((event) => event.sid),
      ownToken: { expiresIn: ownToken.expiresIn, tokenType: ownToken.tokenType, hasToken: Boolean(ownToken.accessToken) },
      tokensFetchedByTheManager: tokenManager.fetched,
      unknownKeyError,
    }),
  );
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
