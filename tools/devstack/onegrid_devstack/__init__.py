"""Local stacks of OneGrid: Kafka, the town's files and the four services as real processes."""

from onegrid_devstack.stack import SERVICES, Kafka, Stack, repo_root

__all__ = ["SERVICES", "Kafka", "Stack", "repo_root"]
