"""``registry serve``'s gunicorn settings: the connections of one worker take turns."""

import gevent

from registry.serving import _take_turns, gunicorn_settings


def test_before_each_request_the_workers_other_ready_connections_run():
    ran = []
    gevent.spawn(ran.append, "another connection's request")  # ready to run, not yet run
    _take_turns(worker=None, request=None)
    assert ran == ["another connection's request"]


def test_the_server_takes_turns_before_every_request():
    assert gunicorn_settings("127.0.0.1", 8000, 2)["pre_request"] is _take_turns
