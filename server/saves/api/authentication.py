"""Bearer API-key authentication (filled in by the API work)."""
