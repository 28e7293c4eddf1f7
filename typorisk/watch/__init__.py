"""Watch sources: newly registered names, zone diffs and Certificate Transparency logs."""
