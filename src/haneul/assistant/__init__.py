"""The assistant: conversations, presets, and one turn (safety in, skills, grounded
generation, safety out)."""
