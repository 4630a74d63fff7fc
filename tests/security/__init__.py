"""Security properties across the whole app: permissions, hostile input, headers."""
