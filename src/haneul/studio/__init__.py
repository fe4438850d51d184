"""Studio: tuning on in-house data (datasets, LoRA training, export), CLOVA Studio style."""
