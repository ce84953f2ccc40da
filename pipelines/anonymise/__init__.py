"""Anonymisation: identifiers, generalisation, suppression and pseudonyms, from the spec."""
