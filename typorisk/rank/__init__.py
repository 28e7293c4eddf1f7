"""Graph and risk ranking: an explainable score for every collision.

``rank(observations)`` links candidates through their infrastructure (MX/NS hosts, IPs,
networks, registrars, certificates, favicons...), joins them into operations (one operator
each, Internet-wide hubs set aside), scores each candidate in [0, 1] with its reasons and
factor contributions, and reports operations, infrastructure clusters, defensive
registrations and wildcarded suffixes. :class:`Ranker` does the same as a stream, holding
per infrastructure key only what the graph needs (a :class:`SqliteSpill` keeps the rows on
disk for a scan of any size).
"""

from typorisk.errors import RankInputError
from typorisk.rank.facts import Observation, observation_from_row
from typorisk.rank.graph import build_graph
from typorisk.rank.operations import Hub, Operation, find_operations
from typorisk.rank.providers import KNOWN_PROVIDERS, NO_PROVIDERS, Providers
from typorisk.rank.ranker import Cluster, Ranked, Ranker, RankResult, rank
from typorisk.rank.score import RiskWeights
from typorisk.rank.spill import MemorySpill, Spill, SqliteSpill

__all__ = [
    "KNOWN_PROVIDERS",
    "NO_PROVIDERS",
    "Cluster",
    "Hub",
    "MemorySpill",
    "Observation",
    "Operation",
    "Providers",
    "RankInputError",
    "RankResult",
    "Ranked",
    "Ranker",
    "RiskWeights",
    "Spill",
    "SqliteSpill",
    "build_graph",
    "find_operations",
    "observation_from_row",
    "rank",
]
