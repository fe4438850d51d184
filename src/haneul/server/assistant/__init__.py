"""The assistant over HTTP: `/v1/conversations`."""
