"""Mocked responses in the Step Functions Local MockConfigFile format: the AWS Developer
Guide's example (HappyPath, RetryPath, HybridPath), invocation counting, and the checks
made when a file is loaded."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import express
from express.tasks import MockConfig, MockConfigError

pytestmark = pytest.mark.anyio

# The example of "Using mocked service integrations" (sfn-local-test-sm-exec), verbatim.
MOCK_CONFIG: dict[str, Any] = {
    "StateMachines": {
        "LambdaSQSIntegration": {
            "TestCases": {
                "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
                "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
                "HybridPath": {"LambdaState": "MockedLambdaSuccess"},
            }
        }
    },
    "MockedResponses": {
        "MockedLambdaSuccess": {
            "0": {
                "Return": {
                    "StatusCode": 200,
                    "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"},
                }
            }
        },
        "LambdaMockedResourceNotReady": {
            "0": {
                "Throw": {
                    "Error": "Lambda.ResourceNotReadyException",
                    "Cause": "Lambda resource is not ready.",
                }
            }
        },
        "MockedSQSSuccess": {
            "0": {
                "Return": {
                    "MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51",
                    "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51",
                }
            }
        },
        "MockedLambdaRetry": {
            "0": {
                "Throw": {
                    "Error": "Lambda.ResourceNotReadyException",
                    "Cause": "Lambda resource is not ready.",
                }
            },
            "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
            "3": {
                "Return": {
                    "StatusCode": 200,
                    "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"},
                }
            },
        },
    },
}

DEFINITION: dict[str, Any] = {
    "Comment": "This state machine is called: LambdaSQSIntegration",
    "StartAt": "LambdaState",
    "States": {
        "LambdaState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"Payload.$": "$", "FunctionName": "HelloWorldFunction"},
            "Retry": [
                {
                    "ErrorEquals": ["States.ALL"],
                    "IntervalSeconds": 2,
                    "MaxAttempts": 3,
                    "BackoffRate": 2,
                }
            ],
            "Next": "SQSState",
        },
        "SQSState": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {
                "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/myQueue",
                "MessageBody.$": "$",
            },
            "End": True,
        },
    },
}

SQS_SUCCESS = MOCK_CONFIG["MockedResponses"]["MockedSQSSuccess"]["0"]["Return"]


class Recorder(express.RealClock):
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def machine(
    resources: dict[str, Any] | None = None, config: Any = MOCK_CONFIG, **kw: Any
) -> express.StateMachine:
    return express.StateMachine(
        DEFINITION, resources, name="LambdaSQSIntegration", mock_config=config, **kw
    )


async def test_happy_path() -> None:
    result = await machine().with_test_case("HappyPath").execute({})
    assert (result.status, result.output) == ("SUCCEEDED", SQS_SUCCESS)


async def test_happy_path_history_shows_the_mocked_lambda_output() -> None:
    result = await machine().with_test_case("HappyPath").execute({}, record_events=True)
    events = [e for e in result.events or [] if e.type == "TaskSucceeded"]
    assert json.loads(events[0].details["output"])["Payload"]["body"] == "Hello from Lambda!"


async def test_retry_path_consumes_one_response_per_attempt() -> None:
    clock = Recorder()
    result = await machine(clock=clock).with_test_case("RetryPath").execute({})
    assert (result.status, result.output) == ("SUCCEEDED", SQS_SUCCESS)
    assert clock.slept == [2.0, 4.0, 8.0]  # three retries: invocations 1, 2 and 3


async def test_hybrid_path_calls_the_real_resource_for_unmocked_states() -> None:
    sent: list[Any] = []

    def send_message(params: dict[str, Any]) -> dict[str, Any]:
        sent.append(params)
        return {"MessageId": "real-1"}

    m = machine({"arn:aws:states:::sqs:sendMessage": send_message})
    result = await m.with_test_case("HybridPath").execute({})
    assert result.output == {"MessageId": "real-1"}
    # The mocked Lambda result flowed into the real call, as in the documentation.
    assert sent[0]["MessageBody"]["Payload"]["body"] == "Hello from Lambda!"


async def test_without_a_test_case_every_state_is_real() -> None:
    calls: list[str] = []
    resources = {
        "HelloWorldFunction": lambda e: calls.append("lambda") or {"real": True},
        "arn:aws:states:::sqs:sendMessage": lambda p: calls.append("sqs") or p["MessageBody"],
    }
    result = await machine(resources).execute({})
    assert result.output["Payload"] == {"real": True}
    assert calls == ["lambda", "sqs"]


async def test_counters_are_per_execution() -> None:
    happy = machine().with_test_case("HappyPath")
    for _ in range(3):
        assert (await happy.execute({})).status == "SUCCEEDED"


async def test_throw_is_caught_like_a_real_error() -> None:
    config = copy.deepcopy(MOCK_CONFIG)
    config["StateMachines"]["LambdaSQSIntegration"]["TestCases"]["Down"] = {
        "LambdaState": "LambdaMockedResourceNotReady"
    }
    definition = copy.deepcopy(DEFINITION)
    definition["States"]["LambdaState"]["Retry"] = []
    definition["States"]["LambdaState"]["Catch"] = [
        {"ErrorEquals": ["Lambda.ResourceNotReadyException"], "Next": "Handled"}
    ]
    definition["States"]["Handled"] = {"Type": "Pass", "End": True}
    m = express.StateMachine(definition, name="LambdaSQSIntegration", mock_config=config)
    result = await m.with_test_case("Down").execute({})
    assert result.output == {
        "Error": "Lambda.ResourceNotReadyException",
        "Cause": "Lambda resource is not ready.",
    }


async def test_an_invocation_without_a_mocked_response_fails_the_execution() -> None:
    config = copy.deepcopy(MOCK_CONFIG)
    config["MockedResponses"]["MockedLambdaRetry"].pop("3")  # the last retry has no answer
    definition = copy.deepcopy(DEFINITION)
    definition["States"]["LambdaState"]["Catch"] = [
        {"ErrorEquals": ["States.ALL"], "Next": "SQSState"}
    ]
    m = express.StateMachine(
        definition, name="LambdaSQSIntegration", mock_config=config, clock=Recorder()
    )
    result = await m.with_test_case("RetryPath").execute({})
    # States.Runtime: neither Retry nor Catch (States.ALL) applies.
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "invocation 3 of state 'LambdaState'" in (result.cause or "")
    assert "covers invocations 0-2" in (result.cause or "")


async def test_map_iterations_share_the_state_counter() -> None:
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "End": True,
                "ItemProcessor": {
                    "StartAt": "Call",
                    "States": {
                        "Call": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                            "End": True,
                        }
                    },
                },
            }
        },
    }
    config = {
        "StateMachines": {"M": {"TestCases": {"T": {"Call": "Seq"}}}},
        "MockedResponses": {"Seq": {"0": {"Return": "first"}, "1-2": {"Return": "later"}}},
    }
    m = express.StateMachine(definition, name="M", mock_config=config).with_test_case("T")
    assert (await m.execute([1, 2, 3])).output == ["first", "later", "later"]
    result = await m.execute([1, 2, 3, 4])
    assert (result.status, result.error) == ("FAILED", "States.Runtime")


async def test_runs_through_an_executor() -> None:
    happy = machine().with_test_case("HappyPath")
    async with express.Executor() as executor:
        handle = await executor.start(happy, {})
        assert (await handle.result()).output == SQS_SUCCESS
        assert (await executor.start_sync(happy, {})).output == SQS_SUCCESS


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCK_CONFIG))
    m = express.StateMachine(DEFINITION, name="LambdaSQSIntegration", mock_config=path)
    assert m.with_test_case("RetryPath") is not m


# --- invalid files are refused when loaded --------------------------------------------------------


def broken(**responses: Any) -> dict[str, Any]:
    return {
        "StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}},
        "MockedResponses": {"R": {"0": {"Return": 1}}, **responses},
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (broken(R={"0": {"Return": 1}, "2": {"Return": 2}}), "gap at invocation 1"),
        (broken(R={"1": {"Return": 1}}), "gap at invocation 0"),
        (broken(R={"0-2": {"Return": 1}, "1": {"Return": 2}}), "overlap at invocation 1"),
        (
            broken(R={"0": {"Return": 1, "Throw": {"Error": "E", "Cause": "c"}}}),
            "exactly one of Return or Throw",
        ),
        (broken(R={"0": {}}), "exactly one of Return or Throw"),
        (broken(R={"0": {"Throw": {"Cause": "no error"}}}), "R/0/Throw"),
        (broken(R={"zero": {"Return": 1}}), "an invocation key is a number"),
        (broken(R={"3-1": {"Return": 1}}), "ends before it starts"),
        (
            {
                "StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}},
                "MockedResponses": {"R": {"0": {"Return": 1}}},
            },
            "no mocked response named 'Missing'",
        ),
        ({"StateMachines": {}}, "both StateMachines and MockedResponses"),
        ({"StateMachines": {"M": {"Cases": {}}}, "MockedResponses": {}}, "TestCases"),
    ],
)
def test_invalid_config_is_refused_with_a_clear_message(config: Any, message: str) -> None:
    with pytest.raises(MockConfigError, match=message.replace("(", r"\(")):
        MockConfig(config)


def test_unknown_state_is_refused_when_the_machine_is_built() -> None:
    config = copy.deepcopy(MOCK_CONFIG)
    config["StateMachines"]["LambdaSQSIntegration"]["TestCases"]["HappyPath"]["Lamda"] = (
        "MockedLambdaSuccess"
    )
    with pytest.raises(MockConfigError, match="'Lamda' is not a Task state"):
        machine(config=config)


def test_unknown_test_case_and_machine_name_are_refused() -> None:
    with pytest.raises(MockConfigError, match=r"no test case 'Sad' \(defined: HappyPath"):
        machine().with_test_case("Sad")
    other = express.StateMachine(DEFINITION, name="Other", mock_config=MOCK_CONFIG)
    with pytest.raises(MockConfigError, match="no state machine named 'Other'"):
        other.with_test_case("HappyPath")
    with pytest.raises(ValueError, match="no mock_config"):
        express.StateMachine(DEFINITION).with_test_case("HappyPath")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(MockConfigError, match="cannot read"):
        MockConfig.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(MockConfigError, match="not valid JSON"):
        MockConfig.load(bad)
