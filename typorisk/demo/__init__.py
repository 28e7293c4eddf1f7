"""The offline demo: a synthetic world served on loopback, two weekly scans, the review."""
