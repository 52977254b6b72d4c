from mercato.core.errors import DomainError, InvalidInput, NotAuthenticated


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
