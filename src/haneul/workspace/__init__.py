"""The workspace of CONNECT X: what staff do with Haneul day to day (reports)."""
