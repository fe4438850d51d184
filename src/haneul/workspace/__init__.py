"""The workspace of CONNECT X: what staff do with Haneul day to day: 오늘 할 일 (to-dos),
their extraction from text and the calendar feed, and reports (보고서 작성)."""
