"""The load's resume point only passes products whose every item Ordergroove answered for."""

from collections import Counter

from ctbridge.connectors.ordergroove.frontier import ResolutionFrontier


def test_resume_point_waits_for_earlier_products_resolved_out_of_order():
    frontier = ResolutionFrontier()
    a, b, c = frontier.add("a", 2), frontier.add("b", 1), frontier.add("c", 1)
    frontier.resolve(c, "sent")
    frontier.resolve(b, "sent")
    assert frontier.advance() is False
    frontier.resolve(a, "sent")
    assert frontier.advance() is False  # a still has one item pending
    frontier.resolve(a, "failed")
    assert frontier.advance() is True
    assert frontier.last_committed == "c"
    assert frontier.committed == {"sent": 3, "failed": 1}
    assert frontier.committed_products == 3


def test_products_with_nothing_to_send_commit_with_their_predecessors():
    frontier = ResolutionFrontier()
    sent = frontier.add("a", 1)
    frontier.add("b", 0, Counter(skipped=2))
    assert frontier.advance() is False
    frontier.resolve(sent, "sent")
    assert frontier.advance() is True
    assert frontier.last_committed == "b"
    assert frontier.committed == {"sent": 1, "skipped": 2}
