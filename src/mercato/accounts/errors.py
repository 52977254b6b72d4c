from mercato.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    PermissionDenied,
)


class InvalidCredentials(NotAuthenticated):
    code, title = "invalid_credentials", "The email or password is not correct"


class InvalidRefreshToken(NotAuthenticated):
    code, title = "invalid_refresh_token", "The refresh token is not valid"


class RefreshTokenReused(NotAuthenticated):
    code, title = (
        "refresh_token_reused",
        "This refresh token was already used; the session has been ended for safety",
    )


class InvalidToken(DomainError):
    code, status, title = "invalid_token", 400, "The link is not valid or has expired"


class WeakPassword(InvalidInput):
    code, title = "weak_password", "The password is too weak"


class EmailTaken(DomainError):
    code, status, title = "email_taken", 409, "Another account uses this email"


class OtpRequired(NotAuthenticated):
    code, title = "otp_required", "A two-factor code is required"


class OtpInvalid(NotAuthenticated):
    code, title = "otp_invalid", "The two-factor code is not valid"


class OtpEnrolmentRequired(PermissionDenied):
    code, title = (
        "otp_enrolment_required",
        "Your role requires two-factor authentication: enrol before doing anything else",
    )


class TwoFactorStateConflict(Conflict):
    code, title = "two_factor_state", "Two-factor authentication is not in that state"
