"""Console pages for the audit trail."""

app_name = "audit"

urlpatterns = []
