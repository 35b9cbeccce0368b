"""Django admin for staff: users (who sign in with their email), accounts and memberships."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count

from console.models import Account, Membership, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only code writes (audit events, issued tokens, signing keys): staff
    may look, nobody may add, change or delete — superusers included."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _email_taken(email: str, *, exclude_pk=None) -> bool:
    # Sign-in matches emails case-insensitively (console/backends.py); so does uniqueness here.
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


class UserCreationForm(AdminUserCreationForm):
    """Email and password; the username mirrors the email, as console/services.py does."""

    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if _email_taken(email):
            raise ValidationError("A user with that email address already exists.")
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email"):
            self.instance.username = cleaned["email"]
        return cleaned


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"].strip())
        if _email_taken(email, exclude_pk=self.instance.pk):
            raise ValidationError("A user with that email address already exists.")
        self.instance.username = email
        return email


class MembershipOfUserInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("account", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("account",)
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("email", "sid", "first_name", "last_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "=sid", "first_name", "last_name")
    ordering = ("email",)
    readonly_fields = ("sid", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "sid", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )
    inlines = (MembershipOfUserInline,)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()


class MembershipOfAccountInline(admin.TabularInline):
    model = Membership
    fk_name = "account"
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("user",)
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("sid", "name", "created_at", "member_count")
    search_fields = ("name", "=sid")
    ordering = ("name", "id")
    fields = ("sid", "name", "created_at")
    readonly_fields = ("sid", "created_at")
    inlines = (MembershipOfAccountInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members=Count("memberships", distinct=True))

    @admin.display(description="Members", ordering="members")
    def member_count(self, account: Account) -> int:
        return account.members


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "account", "role", "created_at")
    list_select_related = ("user", "account")
    list_filter = ("role", "account")
    search_fields = ("user__email", "account__name", "=account__sid")
    autocomplete_fields = ("user", "account")
    readonly_fields = ("created_at",)
