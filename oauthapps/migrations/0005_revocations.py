"""Revocations instead of token rows: the Revocation table, and each secret's token_tag.

Existing secrets get a random tag each (a callable default on AddField would give every
row the same one), then the column becomes unique.
"""

import django.utils.timezone
from django.db import migrations, models

import oauthapps.models


def tag_existing_secrets(apps, schema_editor):
    ClientSecret = apps.get_model("oauthapps", "ClientSecret")
    for secret in ClientSecret.objects.filter(token_tag__isnull=True).only("pk").iterator(chunk_size=1000):
        ClientSecret.objects.filter(pk=secret.pk).update(token_tag=oauthapps.models.new_token_tag())


class Migration(migrations.Migration):
    dependencies = [("oauthapps", "0004_app_field_labels")]

    operations = [
        migrations.CreateModel(
            name="Revocation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=80, unique=True)),
                ("until", models.DateTimeField(db_index=True)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
        ),
        migrations.AddField(
            model_name="clientsecret",
            name="token_tag",
            field=models.CharField(max_length=16, null=True, editable=False),
        ),
        migrations.RunPython(tag_existing_secrets, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="clientsecret",
            name="token_tag",
            field=models.CharField(
                default=oauthapps.models.new_token_tag, editable=False, max_length=16, unique=True
            ),
        ),
    ]
