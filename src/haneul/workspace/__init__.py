"""The workspace: 오늘 할 일 (to-dos), their extraction from text, and the calendar feed."""
