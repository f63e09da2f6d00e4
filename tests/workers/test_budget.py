import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis

from workers.budget import RedisRollingWindow, RedisUsageBoard
from workers.localcluster import REDIS_URL, redis_problem


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    problem = redis_problem()
    if problem:
        pytest.skip(problem)
    yield redis.Redis.from_url(REDIS_URL)


def test_two_processes_worth_of_limiters_share_one_window(client: redis.Redis) -> None:
    key = f"leadsync-test:{uuid.uuid4().hex}"
    limiters = [RedisRollingWindow(client, key, 5, 0.5) for _ in range(2)]
    answered: list[float] = []
    lock = threading.Lock()

    def caller(limiter: RedisRollingWindow) -> None:
        for _ in range(6):
            with limiter, lock:
                answered.append(time.monotonic())

    threads = [threading.Thread(target=caller, args=(lim,)) for lim in limiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    answered.sort()
    assert len(answered) == 12
    # Never more than 5 answers in any 0.5 s: the 6th after any answer comes a window later.
    for i in range(len(answered) - 5):
        assert answered[i + 5] - answered[i] >= 0.45
    assert sum(lim.waited_s for lim in limiters) > 0
    for k in client.scan_iter(f"{key}*"):
        client.delete(k)


def test_a_dead_holder_keeps_its_slot_until_its_lease_ends(client: redis.Redis) -> None:
    key = f"leadsync-test:{uuid.uuid4().hex}"
    dead = RedisRollingWindow(client, key, 1, 0.2, lease_s=0.3)
    dead.acquire()  # never released: the process "died" mid-request
    alive = RedisRollingWindow(client, key, 1, 0.2, lease_s=0.3)
    began = time.monotonic()
    with alive:
        pass
    # Lease (0.3 s) and then a window (0.2 s) counted for the lost request.
    assert time.monotonic() - began >= 0.4
    for k in client.scan_iter(f"{key}*"):
        client.delete(k)


def test_pause_holds_every_process(client: redis.Redis) -> None:
    key = f"leadsync-test:{uuid.uuid4().hex}"
    RedisRollingWindow(client, key, 100, 10).pause(0.3)
    other = RedisRollingWindow(client, key, 100, 10)
    began = time.monotonic()
    with other:
        pass
    assert time.monotonic() - began >= 0.25
    for k in client.scan_iter(f"{key}*"):
        client.delete(k)


def test_usage_board_stops_a_salesforce_connector_that_has_not_called_yet(
    client: redis.Redis,
) -> None:
    from connectors.errors import QuotaExhaustedError
    from connectors.salesforce import SalesforceConnector

    board = RedisUsageBoard(client, f"leadsync-test:{uuid.uuid4().hex}")
    assert board.latest() is None
    board.note(850, 1000)  # another worker's answer said so
    sf = SalesforceConnector("https://org.example", "00Dx", max_usage_share=0.8, usage_board=board)
    with pytest.raises(QuotaExhaustedError):
        sf._check_quota()
    client.delete(board.key)
