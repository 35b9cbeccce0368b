# Which client secret obtained each access token, so that revoking a secret revokes its tokens.

import django.db.models.deletion
from django.db import migrations, models
from oauth2_provider.settings import oauth2_settings


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(oauth2_settings.ACCESS_TOKEN_MODEL),
        ('oauthapps', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='IssuedToken',
            fields=[
                ('access_token', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='issued_with', serialize=False, to=oauth2_settings.ACCESS_TOKEN_MODEL)),
                ('secret', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='issued_tokens', to='oauthapps.clientsecret')),
            ],
        ),
    ]
