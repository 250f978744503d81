"""Site-wide protections: Content-Security-Policy, rate limits and secret redaction in logs."""
