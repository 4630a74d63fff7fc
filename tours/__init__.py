"""The Flaneur domain: models, use-case services and domain errors. No Flask here."""
