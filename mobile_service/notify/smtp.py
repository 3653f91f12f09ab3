"""The SMTP client of the notices: the standard library's ``smtplib``, configured by settings.

``SMTP_SECURITY`` is ``starttls`` (submission port 587), ``ssl`` (implicit TLS, 465) or ``none``
(a local development relay; refused in production). Certificates are verified with the
system's trust store. Credentials are sent only over TLS (``smtplib`` refuses AUTH in clear
unless the server offers it, and production refuses ``none``).
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from mobile_service import clock


class DeliveryError(RuntimeError):
    """The relay could not take the notice now (down, refused, timed out): retry later."""


@dataclass(frozen=True)
class Notice:
    """One plain-text message to send to each recipient separately."""

    subject: str
    body: str


def tls_context() -> ssl.SSLContext:
    """Certificate and host name verified against the system's trust store (TLS 1.2 or later)."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _connect(cfg: Mapping[str, Any]) -> smtplib.SMTP:
    host, port, timeout = cfg["SMTP_HOST"], cfg["SMTP_PORT"], cfg["SMTP_TIMEOUT_SECONDS"]
    if cfg["SMTP_SECURITY"] == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def send(cfg: Mapping[str, Any], recipients: Iterable[str], notice: Notice) -> list[str]:
    """Send ``notice`` to each recipient in one SMTP session; return the addresses the relay refused.

    Raises :class:`DeliveryError` when nothing could be handed over (connection, TLS, login,
    or every recipient refused), so the caller retries the whole notice later.
    """
    recipients = list(recipients)
    refused: list[str] = []
    try:
        with _connect(cfg) as smtp:
            if cfg["SMTP_SECURITY"] == "starttls":
                # A relay that does not offer STARTTLS fails here (SMTPNotSupportedError): never clear text.
                smtp.starttls(context=tls_context())
            if cfg["SMTP_USERNAME"]:
                smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
            for address in recipients:
                try:
                    smtp.send_message(_message(cfg["SMTP_FROM"], address, notice))
                except smtplib.SMTPRecipientsRefused:
                    refused.append(address)
    except (OSError, smtplib.SMTPException) as exc:
        # OSError: refused connection, DNS, timeout, TLS; SMTPException: the relay said no.
        raise DeliveryError(type(exc).__name__) from exc
    if recipients and len(refused) == len(recipients):
        raise DeliveryError("SMTPRecipientsRefused")
    return refused


def _message(sender: str, recipient: str, notice: Notice) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(clock.utcnow())
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a robot
    message.set_content(notice.body)
    return message
