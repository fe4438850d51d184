"""Accounts on the wire: sign-in and sessions (`/v1/auth`), a user's own keys (`/v1/me/keys`),
the admin REST API (`/v1/admin`) and the sign-in and admin pages."""
