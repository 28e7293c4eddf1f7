"""Graph and risk ranking: an explainable score for every collision.

``rank(observations)`` builds a networkx graph of targets, candidates and their infrastructure,
scores each candidate in [0, 1] with its reasons and factor contributions, and reports
infrastructure clusters, defensive registrations and wildcarded suffixes.
"""

from typorisk.errors import RankInputError
from typorisk.rank.engine import Cluster, Ranked, RankResult, rank
from typorisk.rank.facts import Observation, observation_from_row
from typorisk.rank.graph import build_graph
from typorisk.rank.score import RiskWeights

__all__ = [
    "Cluster",
    "Observation",
    "RankInputError",
    "RankResult",
    "Ranked",
    "RiskWeights",
    "build_graph",
    "observation_from_row",
    "rank",
]
