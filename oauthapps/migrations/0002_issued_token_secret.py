# Until 0.2.0 this created IssuedToken: which client secret obtained each access token row of
# django-oauth-toolkit's AccessToken table. Tokens are not rows any more and DOT is gone
# (docs/decisions/0002 and 0004); 0006 drops the table where an older database has it.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('oauthapps', '0001_initial'),
    ]

    operations = []
