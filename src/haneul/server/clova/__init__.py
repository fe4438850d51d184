"""CLOVA Studio's native API shapes (camelCase, replies wrapped in `status` and `result`)."""
