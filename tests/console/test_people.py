"""The People page: owners add people by email with a role, change roles and remove people;
the last owner stays; every change is audited; nobody else reaches it."""

import re

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from console.models import Membership, Role, User
from tests.factories import AccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PEOPLE = reverse("console:people")


@pytest.fixture
def owner(account):
    return MembershipFactory(account=account, role=Role.OWNER)


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner.user)
    return client


def role_url(membership):
    return reverse("console:person-role", args=[membership.pk])


def remove_url(membership):
    return reverse("console:person-remove", args=[membership.pk])


def test_an_owner_adds_a_new_person_who_can_sign_in_with_the_first_password(owner_client, account):
    response = owner_client.post(PEOPLE, {"email": "Reader@Example.test", "role": Role.READ_ONLY})
    body = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    first_password = re.search(r'id="first-password"[^>]*value="([^"]+)"', body).group(1)
    membership = Membership.objects.get(account=account, user__email__iexact="reader@example.test")
    assert membership.role == Role.READ_ONLY
    assert authenticate(username=membership.user.email, password=first_password) == membership.user
    event = AuditEvent.objects.get(event_type="console.member-added")
    assert event.resource_sid == membership.user.sid and event.event_data["role"] == {
        "previous": None,
        "updated": "read_only",
    }
    assert first_password not in str(event.event_data) + event.description
    assert first_password not in owner_client.get(PEOPLE).content.decode()  # shown that once


def test_adding_someone_with_a_sign_in_keeps_their_password(owner_client, account):
    elsewhere = MembershipFactory(account=AccountFactory(), role=Role.OWNER).user
    body = owner_client.post(PEOPLE, {"email": elsewhere.email, "role": Role.DEVELOPER}).content.decode()
    assert "They already have a sign-in" in body and 'id="first-password"' not in body
    assert Membership.objects.get(account=account, user=elsewhere).role == Role.DEVELOPER


def test_adding_someone_already_in_the_account_is_refused(owner_client, owner):
    response = owner_client.post(PEOPLE, {"email": owner.user.email, "role": Role.READ_ONLY})
    assert response.status_code == 400 and "is already in this account" in response.content.decode()


def test_the_roles_offered_are_the_consoles(owner_client):
    body = owner_client.get(PEOPLE).content.decode()
    for label in ("Owner", "Administrator", "Developer", "Read-only"):
        assert f">{label}</option>" in body


def test_a_developer_manages_apps_but_not_people(account):
    developer = MembershipFactory(account=account, role=Role.DEVELOPER)
    assert developer.can_manage
    client = Client()
    client.force_login(developer.user)
    assert client.get(PEOPLE).status_code == 403


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.DEVELOPER, Role.READ_ONLY])
def test_only_owners_reach_the_page_and_its_actions(account, owner, role):
    member = MembershipFactory(account=account, role=role)
    client = Client()
    client.force_login(member.user)
    assert client.get(PEOPLE).status_code == 403
    assert client.post(PEOPLE, {"email": "x@example.test", "role": Role.OWNER}).status_code == 403
    assert client.post(role_url(member), {"role": Role.OWNER}).status_code == 403
    assert client.post(remove_url(owner)).status_code == 403
    assert not User.objects.filter(email="x@example.test").exists()
    assert Membership.objects.get(pk=member.pk).role == role
    assert "People</a>" not in client.get(reverse("oauthapps:list")).content.decode()


def test_an_owner_changes_a_role_and_it_is_audited(owner_client, account):
    member = MembershipFactory(account=account, role=Role.READ_ONLY)
    response = owner_client.post(role_url(member), {"role": Role.ADMINISTRATOR}, follow=True)
    assert f"{member.user.email} is now Administrator." in response.content.decode()
    assert Membership.objects.get(pk=member.pk).role == Role.ADMINISTRATOR
    event = AuditEvent.objects.get(event_type="console.member-role-changed")
    assert event.event_data["role"] == {"previous": "read_only", "updated": "administrator"}
    assert event.actor_type == "user" and event.source == "web"


def test_the_last_owner_cannot_be_demoted_or_removed(owner_client, owner):
    demoted = owner_client.post(role_url(owner), {"role": Role.READ_ONLY}, follow=True)
    assert "keeps at least one owner" in demoted.content.decode()
    removed = owner_client.post(remove_url(owner), follow=True)
    assert "keeps at least one owner" in removed.content.decode()
    assert Membership.objects.get(pk=owner.pk).role == Role.OWNER
    assert not AuditEvent.objects.filter(event_type__startswith="console.member").exists()


def test_with_a_second_owner_one_may_step_down(owner_client, account, owner):
    MembershipFactory(account=account, role=Role.OWNER)
    owner_client.post(role_url(owner), {"role": Role.ADMINISTRATOR})
    assert Membership.objects.get(pk=owner.pk).role == Role.ADMINISTRATOR


def test_an_owner_removes_someone_after_confirming(owner_client, account):
    member = MembershipFactory(account=account, role=Role.DEVELOPER)
    assert "Yes, remove" in owner_client.get(remove_url(member)).content.decode()
    response = owner_client.post(remove_url(member), follow=True)
    assert "was removed from this account" in response.content.decode()
    assert not Membership.objects.filter(pk=member.pk).exists()
    assert User.objects.filter(pk=member.user.pk).exists()
    event = AuditEvent.objects.get(event_type="console.member-removed")
    assert event.resource_name == member.user.email


def test_another_accounts_member_is_not_found(owner_client):
    stranger = MembershipFactory(account=AccountFactory(), role=Role.READ_ONLY)
    assert owner_client.post(role_url(stranger), {"role": Role.OWNER}).status_code == 404
    assert owner_client.post(remove_url(stranger)).status_code == 404
    assert Membership.objects.get(pk=stranger.pk).role == Role.READ_ONLY


def test_people_events_read_in_the_monitor_api_and_the_audit_page(owner_client, account):
    owner_client.post(PEOPLE, {"email": "new@example.test", "role": Role.READ_ONLY})
    body = owner_client.get(reverse("audit:list")).content.decode()
    assert 'title="console.member-added">Person added</span>' in body
