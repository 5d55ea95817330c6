"""The Ed25519 key that signs chain anchors: from the settings, else a key file under the erpflow home."""

from __future__ import annotations

import os

import structlog
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from erpflow.model.errors import ErpflowError
from erpflow.settings import Settings

__all__ = ["public_hex", "signing_key", "trusted_key", "verify_signature"]


def _parse(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
    except ValueError as exc:
        raise ErpflowError(f"ERPFLOW_ANCHOR_KEY is not an Ed25519 key (PEM, or 32 bytes in hex): {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ErpflowError("ERPFLOW_ANCHOR_KEY is not an Ed25519 key")
    return key


def _configured(settings: Settings) -> Ed25519PrivateKey | None:
    if settings.anchor_key is not None and settings.anchor_key.get_secret_value().strip():
        return _parse(settings.anchor_key.get_secret_value())
    path = settings.anchor_key_path
    return _parse(path.read_text()) if path.exists() else None


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The configured key; when none is, one generated under the home (mode 0600) on first use, and said so."""
    key = _configured(settings)
    if key is not None:
        return key
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path = settings.anchor_key_path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return _parse(path.read_text())
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    structlog.stdlib.get_logger("erpflow.audit").warning(
        "no ERPFLOW_ANCHOR_KEY set: generated an anchor signing key", path=str(path)
    )
    return key


def trusted_key(settings: Settings) -> Ed25519PublicKey | None:
    """The public half of the configured key, without generating one."""
    key = _configured(settings)
    return key.public_key() if key is not None else None


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def verify_signature(public: str, signature: str, payload: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(bytes.fromhex(signature), payload)
    except (InvalidSignature, ValueError):
        return False
    return True
