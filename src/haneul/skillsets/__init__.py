"""Skillsets and the Skill Trainer (CLOVA Studio's): a skillset is a named set of skills,
the operations of partner APIs described by OpenAPI manifests (skills/openapi.py), with
example utterances of when to call which operation and with what arguments.

- `router.py`: which operation (or none) an utterance asks for, over e5 query vectors: the
  untrained router (nearest manifest examples) and the trained one (a softmax classifier
  fitted in well under a second on CPU).
- `arguments.py`: the argument filler: the manifest's own patterns, plus patterns and values
  learned from the examples' arguments.
- `store.py`: skillsets, examples, trained versions and pending calls in SQLite.
- `service.py`: training, publishing, and serving a version (plan -> API call after the
  user's confirmation where it has side effects -> final answer).

The HTTP routes are server/clova/skillsets.py; docs/skillsets.md describes the whole.
"""
