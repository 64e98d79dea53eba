"""Every controller test runs twice: with NodeStatus models and with plain dict nodes (the runner's form)."""

import pytest

from controller_sim import Mode


@pytest.fixture(autouse=True, params=["models", "dicts"])
def node_form(request: pytest.FixtureRequest):
    Mode.dict_nodes = request.param == "dicts"
    yield request.param
    Mode.dict_nodes = False
