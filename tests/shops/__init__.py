"""Shops: profiles, owners, moderation, directory, hours and images."""
