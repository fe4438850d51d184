"""The AI Filter: Korean safety checks behind one `Check` protocol.

A check reads text (and optionally what came before it) and returns a `Verdict` of findings
with scores; it never changes the text itself. Policies (annotate, mask, refuse, block) and
the audit log decide what to do with a verdict. The safety layer knows nothing of HTTP or of
the engine: the server and the assistant call it on user input, model output, skill output
and retrieved documents.
"""

from haneul.safety.protocol import Check, Finding, Verdict

__all__ = ["Check", "Finding", "Verdict"]
