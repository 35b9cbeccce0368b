"""Delete expired access tokens (rows of tokens issued before 0.2.0), client secrets revoked
or past their grace period whose tokens have all expired, and revocations whose tokens have
all expired, in short batches.

Each batch is one primary-key range (``id >= lo AND id < lo + batch``) in its own short
transaction: it reads a bounded slice of the primary key index, so no batch scans the
table and no lock is held for longer than one batch, whatever the table's size. DOT's
``cleartokens`` instead re-runs ``expires < now`` (no index on ``expires``) for every
batch, a full scan each time on a table of millions of rows.
"""

import time
from collections.abc import Iterator
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import CASCADE, DO_NOTHING, SET_NULL, Max, Min, Q, QuerySet
from django.db.models.signals import post_delete, pre_delete
from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from console.actors import Actor
from console.private_apis import raw_delete
from oauthapps.models import ClientSecret, Revocation
from oauthapps.services import oauth_app_secrets_expire_lapsed

DEFAULT_BATCH_SIZE = 5000


def _pk_ranges(queryset: QuerySet, batch_size: int) -> Iterator[tuple[int, int]]:
    """Half-open primary-key ranges covering the rows that exist when the purge starts."""
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, batch_size):
        yield start, start + batch_size


def _is_leaf(model) -> bool:
    """Nothing points at ``model`` and nobody listens to its deletion: its rows can go with
    a plain ``DELETE``."""
    return not any(
        relation.on_delete is not DO_NOTHING for relation in model._meta.related_objects
    ) and not any(signal.has_listeners(model) for signal in (pre_delete, post_delete))


def delete_batch(batch: QuerySet) -> int:
    """``DELETE ... WHERE`` the batch, after deleting the leaf rows that CASCADE from it (a
    token's IssuedToken link) and clearing the SET_NULL links that point at it.

    ``QuerySet.delete()`` loads every row as a model instance first whenever another table
    points at the model (DOT's RefreshToken.access_token does): about a second per
    5,000-row batch on a ten-million-row token table, all of it inside the transaction.
    """
    model = batch.model
    relations = [relation for relation in model._meta.related_objects if relation.on_delete is not DO_NOTHING]
    cascades = [relation for relation in relations if relation.on_delete is CASCADE]
    if (
        any(relation.on_delete not in (CASCADE, SET_NULL) for relation in relations)
        or any(not _is_leaf(relation.related_model) for relation in cascades)
        or any(signal.has_listeners(model) for signal in (pre_delete, post_delete))
    ):
        return batch.delete()[0]  # deeper cascades or receivers to honour: let Django's collector do it
    for relation in cascades:
        name = relation.field.name
        dependents = relation.related_model._base_manager.filter(**{f"{name}__in": batch.values("pk")})
        raw_delete(dependents)
    for relation in relations:
        if relation.on_delete is SET_NULL:
            name = relation.field.name
            relation.related_model._base_manager.filter(**{f"{name}__in": batch.values("pk")}).update(
                **{name: None}
            )
    return raw_delete(batch)  # the collector's own fast path, without the collector


def purge_in_batches(queryset: QuerySet, *, batch_size: int, sleep_seconds: float) -> tuple[int, int]:
    """Delete ``queryset``'s rows one primary-key range at a time; returns (rows, batches)."""
    deleted = batches = 0
    for start, end in _pk_ranges(queryset.model.objects.all(), batch_size):
        with transaction.atomic():
            count = delete_batch(queryset.filter(pk__gte=start, pk__lt=end))
        batches += 1
        if count:
            deleted += count
            if sleep_seconds:
                time.sleep(sleep_seconds)  # let replicas and autovacuum keep up
    return deleted, batches


def expired_access_tokens(now: datetime) -> QuerySet:
    # An expired token already fails signature-time checks (its JWT exp), so its row only
    # costs space: it can go the moment it expires.
    return get_access_token_model().objects.filter(expires__lt=now)


def ended_revocations(now: datetime) -> QuerySet:
    # Every token a revocation covers has expired: a check refuses them by their exp alone.
    return Revocation.objects.filter(until__lte=now)


def dead_client_secrets(now: datetime) -> QuerySet:
    # Revoked (its tokens are revoked by its tag, oauthapps/server/revocations.py), or lapsed at the
    # end of its grace period and every token it obtained has expired. A lapsed secret is kept
    # until then: a later "revoke previous secrets" reaches its tokens through its tag.
    return ClientSecret.objects.filter(Q(tokens_expire_at__lte=now) | Q(revoked_at__lte=now))


class Command(BaseCommand):
    help = (
        "Delete expired access tokens, client secrets whose tokens have all expired (or revoked) "
        "and ended revocations, "
        "in short primary-key batches. Schedule it hourly (cron or a systemd timer); see docs/performance.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Primary keys per batch and transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--sleep",
            type=float,
            default=0.0,
            help="Seconds to pause after each batch that deleted rows (default 0).",
        )

    def handle(self, *args, batch_size: int, sleep: float, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if sleep < 0:
            raise CommandError("--sleep must not be negative.")
        now = timezone.now()
        tokens, token_batches = purge_in_batches(
            expired_access_tokens(now), batch_size=batch_size, sleep_seconds=sleep
        )
        # Secrets that lapsed at the end of their grace period get their audit event first.
        lapsed = oauth_app_secrets_expire_lapsed(actor=Actor.system("manage.py purge_expired"), now=now)
        secrets, secret_batches = purge_in_batches(
            dead_client_secrets(now), batch_size=batch_size, sleep_seconds=sleep
        )
        revocations, _ = purge_in_batches(ended_revocations(now), batch_size=batch_size, sleep_seconds=sleep)
        self.stdout.write(
            f"Deleted {tokens} expired access token(s) in {token_batches} batch(es) and "
            f"{secrets} client secret(s) revoked or whose tokens have all expired in {secret_batches} "
            f"batch(es); {lapsed} client secret(s) lapsed at the end of their grace period. "
            f"Deleted {revocations} revocation(s) whose tokens have all expired."
        )
