"""HTTP Basic protection for admin endpoints, with a constant-time credential check."""

from __future__ import annotations

import secrets

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from ctbridge.settings import EngineSettings

basic = HTTPBasic(auto_error=False, realm="ctbridge admin")


def credentials_match(given_user: str, given_password: str, user: str, password: str) -> bool:
    """Compares both parts in constant time, evaluating both even when the first differs."""
    user_ok = secrets.compare_digest(given_user.encode(), user.encode())
    password_ok = secrets.compare_digest(given_password.encode(), password.encode())
    return user_ok and password_ok


def require_admin(settings: EngineSettings):  # noqa: ANN201 - a FastAPI dependency
    def check(credentials: HTTPBasicCredentials | None = Depends(basic)) -> str:
        password = settings.admin_password
        if password is None:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "admin API disabled: set CTBRIDGE_ADMIN_PASSWORD"
            )
        if credentials is None or not credentials_match(
            credentials.username,
            credentials.password,
            settings.admin_username,
            password.get_secret_value(),
        ):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "admin credentials required",
                headers={"WWW-Authenticate": 'Basic realm="ctbridge admin"'},
            )
        return credentials.username

    return check
