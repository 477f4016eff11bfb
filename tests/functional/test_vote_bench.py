"""The cast-vote bench's data setup (bench/vote_bench.py) at a small size: a KF
meeting in session with every member present and able to vote with the token
the setup issued. No timing here: the bench prints figures, tests never do."""
import os
import sys

import webtest

from conftest import close_app

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")
sys.path.insert(0, BENCH)
import vote_bench  # noqa: E402  (the bench's modules import each other by their own names)


def test_the_vote_bench_setup_holds_a_meeting_where_every_member_votes(tmp_path):
    db = vote_bench.VoteDatabase(str(tmp_path), size=5)
    db.create()
    assert db.members == ["kf01", "kf02", "kf03", "kf04", "kf05"] and db.chair == "kf01"
    app = db.app()
    try:
        client = webtest.TestApp(app)

        def post(act, login, **body):
            headers = {"Accept": "application/json", "Authorization": "Bearer " + db.tokens[login]}
            return client.post_json(f"{db.meeting}/@meeting/{act}", body, headers=headers).json

        live = client.get(db.meeting + "/@meeting", headers={
            "Accept": "application/json", "Authorization": "Bearer " + db.tokens["kf03"]}).json
        assert (live["state"], live["seats"], live["quorum"]) == ("open", 5, True)
        assert sorted(live["serving"]) == db.members
        assert live["items"][0]["kind"] == "decision" and live["items"][0]["paragraph"] == 1
        post("open_vote", db.chair, item=1, ja="approve", nej="reject")
        for i, login in enumerate(db.members):
            assert post("vote", login, item=1, vote=vote_bench.CHOICES[i % 3])["counted"] is True
        closed = post("close_vote", db.chair, item=1)
        assert closed["counts"] == {"ja": 2, "nej": 2, "avstar": 1}
    finally:
        close_app(app)
