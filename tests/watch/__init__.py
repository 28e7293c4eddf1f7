"""Tests of typorisk.watch: CT logs, NRD lists, zone diffs and the watch command."""
