"""twilio-node 6.x (npm ``twilio``) against a live server, through the recipe in docs/api.md.

The package is installed into the git-ignored ``.twilio-node/`` folder by ``.ci/run``
(``npm install --prefix .twilio-node twilio@6``); without node or the package, the test is
skipped and says how to install it.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from audit.models import AuditEvent
from oauthapps.models import OAuthApp
from tests.api.conftest import EVERYTHING
from tests.factories import AccountFactory, MembershipFactory, make_app

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".twilio-node" / "node_modules"
DRIVER = Path(__file__).resolve().parent / "node" / "drive_twilio_node.js"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: install Node.js 18+ to run the twilio-node test.")
    if not (NODE_MODULES / "twilio" / "package.json").exists():
        pytest.skip(
            "twilio-node is missing: run `npm install --prefix .twilio-node twilio@6` (as .ci/run does)."
        )
    version = json.loads((NODE_MODULES / "twilio" / "package.json").read_text())["version"]
    if not version.startswith("6."):
        pytest.skip(f"twilio-node {version} is installed; this test is for 6.x.")
    return node


def test_twilio_node_typed_requests_paging_and_token_through_the_recipe(node, live_server):
    account = AccountFactory()
    issued = make_app(account, user=MembershipFactory(account=account).user, name="Node", scopes=EVERYTHING)
    env = {
        **os.environ,
        "NODE_PATH": str(NODE_MODULES),
        "BASE_URL": live_server.url,
        "CLIENT_ID": issued.app.client_id,
        "CLIENT_SECRET": issued.secret,
        "ACCOUNT_SID": account.sid,
    }
    result = subprocess.run([node, str(DRIVER)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)

    created = OAuthApp.objects.get(client_id=seen["created"]["sid"])
    assert seen["created"] == {
        "sid": created.client_id,
        "friendlyName": "From twilio-node",
        "accessTokenTtl": 600,
        "secretLength": 64,
    }
    # camelCase keys from the typed update request are applied, not silently dropped.
    assert seen["updated"] == {
        "friendlyName": "Renamed by twilio-node",
        "accessTokenTtl": 1200,
        "description": "Typed request objects",
    }
    assert (created.name, created.access_token_ttl) == ("Renamed by twilio-node", 1200)

    events = list(
        AuditEvent.objects.filter(account=account)
        .order_by("-event_date", "-id")
        .values_list("sid", flat=True)
    )
    assert len(seen["pages"]) >= 2 and all(len(page) <= 2 for page in seen["pages"])
    assert [sid for page in seen["pages"] for sid in page] == events
    assert seen["listed"] == events

    assert seen["ownToken"] == {"expiresIn": 1200, "tokenType": "Bearer", "hasToken": True}
    # The recipe's token manager fetched one token for every call above.
    assert seen["tokensFetchedByTheManager"] == 1
    assert seen["unknownKeyError"]["status"] == 400
    assert "notAField" in seen["unknownKeyError"]["message"]
