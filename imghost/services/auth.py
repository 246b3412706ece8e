"""Passwords and account fields: rules, bcrypt hashing. Tokens are in credentials.py;
the actions that use both are in accounts.py."""

from __future__ import annotations

import base64
import functools
import hashlib
import re

import bcrypt
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from imghost.errors import Conflict, Invalid, Unauthorized
from imghost.models import User

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{3,50}$")
MIN_PASSWORD_CHARS = 8
# A limit in characters, which a JSON schema can state; in bytes (UTF-8) a password
# may be longer than the 72 bcrypt reads: those are hashed first (_bcrypt_input).
MAX_PASSWORD_CHARS = 72
BCRYPT_MAX_BYTES = 72
BAD_CREDENTIALS = "Wrong username or password."


def field_error(field: str, message: str, code: str) -> Invalid:
    return Invalid(message, code=code, errors=[{"field": field, "message": message}])


def validate_registration(username: str, email: str, password: str) -> tuple[str, str]:
    """Check the three fields; return (username, normalised email)."""
    errors: list[dict] = []
    if not USERNAME_PATTERN.fullmatch(username or ""):
        errors.append({"field": "username", "message":
                       "Username must be 3-50 characters: letters, digits, '_', '.' or '-'."})
    normalised_email = ""
    try:
        # An email is an identity here (no mail is sent): any address of the RFC's
        # form, as the API schema's "format: email" says, .test and .local included.
        normalised_email = validate_email(email or "", check_deliverability=False,
                                          globally_deliverable=False).normalized.lower()
        if len(normalised_email) > 255:
            raise EmailNotValidError("too long")
    except EmailNotValidError:
        errors.append({"field": "email", "message": "Enter a valid email address."})
    problem = password_problem(password)
    if problem:
        errors.append({"field": "password", "message": problem})
    if errors:
        raise Invalid(errors[0]["message"], code="validation_error", errors=errors)
    return username, normalised_email


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, or None."""
    if len(password or "") < MIN_PASSWORD_CHARS:
        return f"Password must be at least {MIN_PASSWORD_CHARS} characters."
    if len(password) > MAX_PASSWORD_CHARS:
        return f"Password must be at most {MAX_PASSWORD_CHARS} characters."
    return None


def _bcrypt_input(password: str) -> bytes:
    """The bytes bcrypt hashes. bcrypt reads only 72 bytes and silently drops the rest,
    so a longer password (72 characters of accented or CJK text) is first reduced to
    its SHA-256 (44 bytes in base64): every byte of it counts. Up to 72 bytes, as
    before, so existing hashes still verify."""
    encoded = password.encode("utf-8", "surrogatepass")
    if len(encoded) <= BCRYPT_MAX_BYTES:
        return encoded
    return base64.b64encode(hashlib.sha256(encoded).digest())


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_bcrypt_input(password), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    if len(password) > 4 * MAX_PASSWORD_CHARS:
        return False  # no account has one; spare the hashing of a huge string
    return bcrypt.checkpw(_bcrypt_input(password), password_hash.encode())


@functools.lru_cache(maxsize=4)
def _decoy_hash(rounds: int) -> str:
    # Checked against when the user does not exist, so an unknown name costs
    # the same bcrypt time as a wrong password.
    return hash_password("imghost-decoy-password", rounds)


def add_user(session: Session, username: str, email: str, password: str, rounds: int) -> User:
    """Insert a new account (flushed, not committed); Conflict when a name is taken."""
    username, email = validate_registration(username, email, password)
    _refuse_taken(session, username, email)
    user = User(username=username, email=email, password_hash=hash_password(password, rounds))
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        # Lost a race with a simultaneous sign-up of the same name in another case: the
        # unique indexes on lower(username) and lower(email) stored only one of us.
        session.rollback()
        _refuse_taken(session, username, email)
        raise Conflict("That username or email is already taken.", code="username_taken") from None
    return user


def _refuse_taken(session: Session, username: str, email: str) -> None:
    taken = session.exec(select(User).where(or_(
        func.lower(User.username) == username.lower(), func.lower(User.email) == email.lower()))
    ).first()
    if taken is not None:
        field = "username" if taken.username.lower() == username.lower() else "email"
        raise Conflict(f"That {field} is already taken.", code=f"{field}_taken",
                       errors=[{"field": field, "message": f"That {field} is already taken."}])


def find_login(session: Session, login: str) -> User | None:
    """The account a username-or-email names, if any."""
    login = (login or "").strip()
    # PostgreSQL refuses NUL in text; no account can contain one anyway.
    if not login or "\x00" in login:
        return None
    column = func.lower(User.email) if "@" in login else func.lower(User.username)
    return session.exec(select(User).where(column == login.lower())).first()


def check_login_password(user: User | None, password: str, rounds: int) -> User:
    """user when password is theirs; Unauthorized with one message otherwise, in the
    same bcrypt time whether or not the account exists."""
    if user is None:
        verify_password(password or "", _decoy_hash(rounds))
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    if not verify_password(password or "", user.password_hash):
        raise Unauthorized(BAD_CREDENTIALS, code="bad_credentials")
    return user


def check_password(session: Session, login: str, password: str, rounds: int) -> User:
    """The user for a username-or-email and password; Unauthorized with one message otherwise."""
    return check_login_password(find_login(session, login), password, rounds)
