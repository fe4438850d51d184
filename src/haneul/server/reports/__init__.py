"""`/v1/reports`: 보고서 작성 (server/reports/routes.py)."""
