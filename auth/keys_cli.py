"""``flask --app wsgi keys ...``: each step of an app-token key rotation (infra/RUNBOOK.md).

    keys generate                      new private key (PEM) on stdout, its kid on stderr
    keys public [--key FILE] [--jwk]   public half of FILE (or of the configured signing key)
    keys show                          this pod's ring: signing kid, verification kids, lifetimes
    keys check --new KID [--old KID] --phase learned|signing|retired [--jwks-url URL ...]

Inside a pod the CLI builds its ring from the same environment as the pod's gunicorn (a pod's
environment is fixed when it starts), so ``kubectl exec POD -- flask --app wsgi keys check``
reports what that pod verifies and signs with.
"""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

PHASES = ("learned", "signing", "retired")


def _longest_token_lifetime() -> int:
    """Seconds an app token signed now may still be accepted: its lifetime plus the clock leeway."""
    from auth.app_tokens import LEEWAY_SECONDS

    return int(current_app.config["APP_TOKEN_TTL"]) + LEEWAY_SECONDS


@click.group("keys")
def keys() -> None:
    """App-token signing keys: generate, inspect and check a rotation's phase."""


@keys.command("generate")
def generate() -> None:
    """Print a new ES256 private key (PEM) for APP_TOKEN_SIGNING_KEY; its kid goes to stderr."""
    from auth.keys import generate_pem, kid_of

    pem = generate_pem()
    click.echo(pem, nl=False)
    click.echo(f"kid: {kid_of(pem)}", err=True)


@keys.command("public")
@with_appcontext
@click.option("--key", "key_file", type=click.File("r"),
              help="A private key PEM file ('-' for stdin); default: the configured signing key.")
@click.option("--jwk", is_flag=True, help="Print the public JWK (as /.well-known/jwks.json lists it) instead of PEM.")
def public(key_file, jwk: bool) -> None:
    """Print a public key for APP_TOKEN_VERIFICATION_KEYS (phase 1 of a rotation); its kid goes to stderr."""
    from cryptography.hazmat.primitives import serialization

    from auth.app_tokens import keyring
    from auth.keys import KeyRing, _load_private, thumbprint

    if key_file is not None:
        private = _load_private(key_file.read())
        kid = thumbprint(private.public_key())
        ring = KeyRing(kid, private, {kid: private.public_key()})
    else:
        ring = keyring()
        kid = ring.signing_kid
    if jwk:
        click.echo(json.dumps(next(k for k in ring.jwks()["keys"] if k["kid"] == kid)))
    else:
        click.echo(ring.public_keys[kid].public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo).decode(), nl=False)
    click.echo(f"kid: {kid}", err=True)


@keys.command("show")
@with_appcontext
def show() -> None:
    """Print this process's key ring as JSON: the signing kid, every verifying kid, the lifetimes."""
    from auth.app_tokens import keyring

    ring = keyring()
    click.echo(json.dumps({
        "signing_kid": ring.signing_kid,
        "verification_kids": sorted(ring.public_keys),
        "app_token_ttl_seconds": int(current_app.config["APP_TOKEN_TTL"]),
        # Retire an old key no sooner than this after the last pod signing with it stopped.
        "retire_old_key_after_seconds": _longest_token_lifetime(),
    }, indent=2))


def _published_kids(url: str) -> set[str]:
    from auth.jwks import fetch_json

    try:
        document = fetch_json(url, timeout=5)
        return {key["kid"] for key in document.get("keys", []) if isinstance(key, dict) and "kid" in key}
    except Exception as exc:  # network, HTTP and JSON errors all fail the check
        raise click.ClickException(f"{url}: cannot read the JWKS ({type(exc).__name__})") from exc


@keys.command("check")
@with_appcontext
@click.option("--new", "new_kid", required=True, help="The kid of the key being rolled in.")
@click.option("--old", "old_kid", help="The kid of the key being rolled out.")
@click.option("--phase", type=click.Choice(PHASES), required=True,
              help="learned: phase 1 done (verifies the new key, signs with the old); signing: phase 2 "
                   "(signs with the new key, still verifies the old); retired: the old key is gone.")
@click.option("--jwks-url", "urls", multiple=True,
              help="Also check a running pod's /.well-known/jwks.json (repeat for each pod).")
def check(new_kid: str, old_kid: str | None, phase: str, urls: tuple[str, ...]) -> None:
    """Exit 0 when this pod's ring (and each JWKS given) is at PHASE of the rotation, else 1."""
    from auth.app_tokens import keyring

    actual = keyring().phase(new_kid, old_kid)
    problems = []
    if actual != phase:
        problems.append(f"this pod's ring is '{actual}', not '{phase}'")
    for url in urls:
        published = _published_kids(url)
        if new_kid not in published:
            problems.append(f"{url} does not publish the new kid yet")
        if old_kid and phase != "retired" and old_kid not in published:
            problems.append(f"{url} no longer publishes the old kid")
        if old_kid and phase == "retired" and old_kid in published:
            problems.append(f"{url} still publishes the old kid")
    if problems:
        raise click.ClickException("; ".join(problems))
    click.echo(f"ok: {phase}" + (f" ({len(urls)} JWKS checked)" if urls else ""))
    if phase == "signing":
        click.echo(f"retire the old key no sooner than {_longest_token_lifetime()} s after the last pod "
                   "signing with it stopped", err=True)
