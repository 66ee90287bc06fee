"""Extensions named in CTBRIDGE_EXTENSIONS override handlers, add jobs and replace mappers."""

from __future__ import annotations

import pytest

from ctbridge.errors import ConfigurationError
from tests.engine import sample_extension
from tests.engine.recording import open_engine, product_message


async def test_an_extension_overrides_a_built_in_handler_and_adds_types_jobs_and_mappers(
    sqlite_url,
):
    sample_extension.handled.clear()
    engine, made = await open_engine(
        sqlite_url, extensions=["tests.engine.sample_extension:register"]
    )
    try:
        await engine.runtime.enqueue(product_message("m1"))
        await engine.runtime.enqueue(
            product_message("c1", product_id="cust", type_="CustomerCreated")
        )
        await engine.run_until_idle()
        assert made["recorder"].applied == []  # the built-in handler was replaced
        assert sample_extension.handled == ["recorder:m1", "recorder:c1"]
        assert "CustomerCreated" in engine.registry.message_types("recorder")
        run = await engine.run_job("recorder.nightly")
        assert run.status == "succeeded" and run.report.counts == {"ran": 1}
        mapper = engine.runtime.mapper("recorder.greeting", lambda text: text)
        assert mapper("hi") == "HI!"
        assert engine.runtime.mapper("recorder.other", len)("abc") == 3
    finally:
        await engine.close()


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("no_colon", "CTBRIDGE_EXTENSIONS: 'no_colon' is not of the form module:name"),
        (
            "tests.engine.absent_module:register",
            "CTBRIDGE_EXTENSIONS: cannot import 'tests.engine.absent_module'",
        ),
        (
            "tests.engine.sample_extension:handled",
            "CTBRIDGE_EXTENSIONS: 'tests.engine.sample_extension:handled' is not a callable",
        ),
    ],
)
async def test_a_bad_extension_is_a_configuration_error_naming_the_variable(
    sqlite_url, spec, problem
):
    with pytest.raises(ConfigurationError) as raised:
        await open_engine(sqlite_url, extensions=[spec])
    assert raised.value.problems[0].startswith(problem)
