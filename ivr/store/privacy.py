"""Caller numbers in logs: only the last four digits (the store keeps them whole, for callbacks)."""

from __future__ import annotations


def mask_number(number: str | None) -> str:
    """``+8613812345678`` → ``***5678``; short or empty values are masked entirely."""
    text = (number or "").strip()
    digits = [c for c in text if c.isdigit()]
    if len(digits) <= 4:
        return "***" if text else "(unknown)"
    return "***" + "".join(digits[-4:])
