from datetime import datetime
from typing import Annotated
from uuid import UUID

from ninja import Schema
from pydantic import EmailStr, Field, StrictBool, StringConstraints

from mercato.core.schemas import InputSchema, PatchSchema, unset

# Kept exactly as typed (InputSchema trims other strings), as Django's own password forms do:
# a password set in the back office must work at the API's login too.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=128)]


class RegisterIn(InputSchema):
    email: EmailStr = Field(max_length=254)
    password: Password
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    marketing_opt_in: StrictBool = False


class LoginIn(InputSchema):
    email: str = Field(min_length=1, max_length=254)
    password: Password


OtpCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]


class StaffLoginIn(LoginIn):
    otp: OtpCode = Field(
        "",
        description="For staff with two-factor authentication: the code the authenticator app "
        "shows, or one of the recovery codes (each works once).",
    )


class RefreshIn(InputSchema):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenOut(Schema):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")


class StaffTokenOut(TokenOut):
    enrolment_required: bool = Field(
        False,
        description="True: the staff member's role requires two-factor authentication and "
        "they have not enrolled; this token can only enrol (`/api/admin/auth/2fa/…`), other "
        "calls answer 403 `otp_enrolment_required`. Refresh it after enrolling.",
    )


class ChangePasswordIn(InputSchema):
    current_password: Password
    new_password: Password


class PasswordResetIn(InputSchema):
    email: EmailStr = Field(max_length=254)


class PasswordResetConfirmIn(InputSchema):
    token: str = Field(min_length=1, max_length=200)
    new_password: Password


class VerifyEmailIn(InputSchema):
    token: str = Field(min_length=1, max_length=1000)


class StaffOut(Schema):
    id: UUID = Field(alias="public_id")
    email: str
    first_name: str
    last_name: str
    is_superuser: bool
    permissions: list[str]


class PrincipalOut(Schema):
    kind: str = Field(description="staff or app")
    staff: StaffOut | None = None
    app_id: UUID | None = None
    app_name: str | None = None
    permissions: list[str]


class AppIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    permissions: list[str] = Field(default_factory=list, max_length=500)


class AppPatch(PatchSchema):
    name: str = unset(min_length=1, max_length=100)
    is_active: StrictBool = unset()
    permissions: list[str] = unset(max_length=500)


class ApiKeyOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The secret. Shown this once; store it now.")


class ApiKeyIn(InputSchema):
    name: str = Field("", max_length=100)


class AppOut(Schema):
    id: UUID = Field(alias="public_id")
    name: str
    is_active: bool
    created_at: datetime
    permissions: list[str]
    keys: list[ApiKeyOut]

    @staticmethod
    def resolve_permissions(app) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in app.permissions.all())


# --- staff two-factor authentication -----------------------------------------------------------


class TwoFactorOut(Schema):
    enabled: bool = Field(description="An authenticator app is enrolled and confirmed.")
    required: bool = Field(description="The staff member's role requires two-factor auth.")
    recovery_codes_left: int


class TwoFactorEnrolmentOut(Schema):
    secret: str = Field(description="The key in base32, to type into an app by hand.")
    otpauth_url: str = Field(description="The `otpauth://totp/…` URL the QR code holds.")
    qr_code_svg: str = Field(description="The QR code as an inline SVG element.")


class TwoFactorEnrolIn(InputSchema):
    password: Password = Field(description="The staff member's current password.")


class OtpCodeIn(InputSchema):
    code: OtpCode = Field(
        description="A code the authenticator app shows now (or, except to confirm an "
        "enrolment, a recovery code)."
    )


class RecoveryCodesOut(Schema):
    recovery_codes: list[str] = Field(
        description="One-time recovery codes, shown this once: each signs in once instead of "
        "an authenticator code."
    )
