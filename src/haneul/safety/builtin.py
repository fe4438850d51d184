"""The AI Filter's own checks, registered through the same `register_checks` hook as a
plugin's: personal data, abuse and prompt injection (the rule-based ones; the learned SQuARe
and KoSBi models are opt-in, added by `SafetyFilter(learned=True)`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haneul.hookspecs import hookimpl


@hookimpl(tryfirst=True)  # first: the built-ins keep their place ahead of a plugin's checks
def register_checks(register: Callable[[Any], None]) -> None:
    from haneul.safety.injection import InjectionCheck
    from haneul.safety.pii import PIICheck
    from haneul.safety.profanity import AbuseCheck

    for check in (PIICheck(), AbuseCheck(), InjectionCheck()):
        register(check)
