# django-oauth-toolkit is removed (docs/decisions/0004). Its tables go: the rows of tokens
# issued before 0.2.0 (no deployment has any), the link of each to its secret
# (oauthapps_issuedtoken), and the grant, device-grant, refresh-token and ID-token tables that were always
# empty. Then the Application columns nothing reads go; every column the app uses (id,
# client_id, name, created, updated and ours) keeps its data.

from django.db import migrations, models

LEGACY_TABLES = [
    "oauthapps_issuedtoken",
    "oauth2_provider_devicegrant",
    "oauth2_provider_idtoken",
    "oauth2_provider_refreshtoken",
    "oauth2_provider_grant",
    "oauth2_provider_accesstoken",
    "oauth2_provider_application",
]


def drop_legacy_tables(apps, schema_editor):
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    cascade = " CASCADE" if connection.vendor == "postgresql" else ""
    for table in LEGACY_TABLES:
        if table in existing:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}{cascade}")
    # DOT's migrations are no longer known: forget that they ran, so that a later install
    # of DOT would start from its own first migration.
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'oauth2_provider'")


class Migration(migrations.Migration):

    dependencies = [
        ('oauthapps', '0008_dpop_proofs'),
    ]

    operations = [
        migrations.RunPython(drop_legacy_tables, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='oauthapp',
            name='algorithm',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='allowed_origins',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='authorization_grant_type',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='cimd_expires_at',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='client_secret',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='client_type',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='hash_client_secret',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='post_logout_redirect_uris',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='redirect_uris',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='registration_source',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='skip_authorization',
        ),
        migrations.RemoveField(
            model_name='oauthapp',
            name='user',
        ),
        migrations.AlterField(
            model_name='oauthapp',
            name='client_id',
            field=models.CharField(db_index=True, max_length=255, unique=True, verbose_name='Client ID'),
        ),
        migrations.AlterField(
            model_name='oauthapp',
            name='created',
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AlterField(
            model_name='oauthapp',
            name='updated',
            field=models.DateTimeField(auto_now=True),
        ),
    ]
