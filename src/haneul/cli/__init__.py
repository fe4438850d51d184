"""The `haneul` command. Sync wrappers live here, at the edge; the library is async."""
