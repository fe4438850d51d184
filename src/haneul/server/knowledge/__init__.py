"""Document search over HTTP: `/v1/collections`."""
