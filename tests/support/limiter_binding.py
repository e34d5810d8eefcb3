"""Flask-Limiter is one object for every app in a process: each ``create_app`` binds it to
that app's store, and a store failure marks it dead for every app after. The session app's
tests get their own store back, alive, before each test (see ``conftest._limiter_for_app``).
"""

from __future__ import annotations

from typing import Any

from app.extensions import limiter

_BINDING = ("_storage", "_limiter", "_fallback_storage", "_fallback_limiter", "enabled")


def limiter_binding() -> dict[str, Any]:
    """What ties the limiter to the app created last: its store, strategy and fallback."""
    return {name: getattr(limiter, name) for name in _BINDING}


def bind_limiter(binding: dict[str, Any]) -> None:
    """Tie the limiter back to a binding, its store presumed alive."""
    for name, value in binding.items():
        setattr(limiter, name, value)
    limiter._storage_dead = False
