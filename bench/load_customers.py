"""`make bench-load`: one running instance under a crowd, and the same model under plain Rasa, in one run.

Starts `retention-bot serve` (logging at INFO; SQLite demo database of 200 customers, in-memory stores, the
WeChat channel in plain mode, one dialogue worker process per core) as a separate process and drives it over HTTP from this one, like real clients;
REST customers come with the number signed as the operator's site signs it (CHANNEL_IDENTITY_SECRET):

(a) open loop: 200 simulated customers, each holding whole scripted conversations (tests/conversations/, the
    material of bench_dialogue.py) with 2-8 s of think time between messages, for 2 minutes → errors, p50, p99;
(c) WeChat: 100 followers writing at once, signed webhook posts → share answered within 4.5 s (two rounds);
(b) closed loop: senders that write again as soon as the answer arrives → messages/s of our instance, and
    side by side of plain `rasa run` + `rasa run actions` serving the same model with the same action package
    (endpoints and credentials generated into a temporary directory), alternating, and the ratio;
(d) `GET /health` sampled four times a second throughout (a), (c) and our part of (b).

Every figure is printed with the machine's load average (other people's tests share the cores). Targets of the
issue (2 cores): 0 errors, p50 <= 50 ms, p99 <= 250 ms; closed loop >= 40 msg/s and >= 2x plain Rasa; WeChat
95 % within 4.5 s; /health < 100 ms. Nothing is asserted: the figures go to docs/BENCHMARKS.md by hand.

    .venv/bin/python bench/load_customers.py [--customers 200] [--minutes 2] [--skip-plain-rasa] [--dialogue-workers N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench_dialogue import percentile, scripted_messages  # noqa: E402

# Imported before anything is timed: the module pulls in Rasa, seconds in which this client's loop would stall.
from bot.dialogue.service import TURN_FAILED  # noqa: E402
from bot.identity.signing import signed_metadata  # noqa: E402

WEBHOOK = "/webhooks/rest/webhook"
WECHAT = "/webhooks/wechat"
WECHAT_TOKEN = "bench-load-token"
# The customers come from the operator's logged-in site, which signs their number (docs/CHANNELS.md): identified
# customers holding whole retention conversations, not strangers being sent SMS codes.
IDENTITY_SECRET = "bench-load-identity-secret-0123456789"
WECHAT_BUDGET_SECONDS = 4.5
HEALTH_EVERY_SECONDS = 0.25
CLOSED_LOOP_SENDERS = 8
CLOSED_LOOP_SECONDS = 20.0
CLOSED_LOOP_WARM_UP_SECONDS = 3.0
CLOSED_LOOP_ROUNDS = 2
START_TIMEOUT_SECONDS = 240.0
REQUEST_TIMEOUT_SECONDS = 30.0


def load_average() -> str:
    return "load " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(servers: list[Server]) -> float:
    """User + system CPU time so far of every process of the servers' process groups.

    CPU per message compares two set-ups fairly on a machine other people's runs share, where messages/s
    depends on how much of the cores the moment leaves.
    """
    groups = {server.process.pid for server in servers if server.process is not None}
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[2]) in groups:  # fields after the name: state, ppid, pgrp, ...
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no answers"
    return (
        f"p50 {ms(statistics.median(latencies))}, p95 {ms(percentile(latencies, 0.95))}, "
        f"p99 {ms(percentile(latencies, 0.99))}, max {ms(max(latencies))}"
    )


# --- processes --------------------------------------------------------------------------------------------


@dataclass
class Server:
    """A server process of its own (session and process group), its output in a log file."""

    name: str
    command: list[str]
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(  # nosec B603 - our own executables, no shell
                self.command, cwd=ROOT, env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )

    async def wait_ready(self, ready: Callable[[], Awaitable[bool]]) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < START_TIMEOUT_SECONDS:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log}")
            try:
                if await ready():
                    return time.perf_counter() - started
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {START_TIMEOUT_SECONDS:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def demo_database(directory: Path, customers: int) -> tuple[str, list[str]]:
    """A SQLite app database seeded like `make run`'s, and the phones of its active customers."""
    from sqlalchemy import select

    from bot.db.migrate import upgrade
    from bot.db.models import Customer
    from bot.db.seed import default_as_of, seed_database
    from bot.db.session import dispose_engines, session_scope

    url = f"sqlite:///{directory / 'app.db'}"
    upgrade(url)
    seed_database(url, customers=customers, seed=7, as_of=default_as_of(date.today()))
    with session_scope(url) as session:
        phones = list(session.execute(select(Customer.phone).where(Customer.status == "正常")).scalars())
    dispose_engines()
    return url, phones


def base_env(database_url: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("TRACKER_STORE_URL", "LOCK_STORE_URL", "ACTION_ENDPOINT_URL", "ACTIONS_PACKAGE")
    }
    env.update(
        DATABASE_URL=database_url,
        CHANNEL_IDENTITY_SECRET=IDENTITY_SECRET,
        LOG_LEVEL="INFO",
        PYTHONHASHSEED="0",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    return env


def plain_rasa_config(directory: Path, actions_port: int) -> tuple[Path, Path]:
    """endpoints.yml naming the action server, credentials.yml enabling Rasa's REST channel."""
    endpoints = directory / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n', encoding="utf-8")
    credentials = directory / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    return endpoints, credentials


# --- clients ----------------------------------------------------------------------------------------------


@dataclass
class Results:
    """Latencies of answered messages and what went wrong, by kind."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


async def send(
    session: aiohttp.ClientSession, base: str, sender: str, text: str, phone: str, results: Results
) -> None:
    """One REST message; an error is a transport failure, a status other than 200, no reply or the apology."""
    started = time.perf_counter()
    try:
        async with session.post(
            base + WEBHOOK,
            json={"sender": sender, "message": text, "metadata": signed_metadata(phone, IDENTITY_SECRET, now=time.time())},
        ) as response:
            body = await response.json(content_type=None) if response.status == 200 else await response.text()
            elapsed = time.perf_counter() - started
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        results.error(type(exc).__name__)
        return
    if response.status != 200:
        results.error(f"HTTP {response.status}")
    elif not body:
        results.error("no reply")
    elif any(message.get("text") == TURN_FAILED for message in body):
        results.error("apology (failed turn)")
    else:
        results.latencies.append(elapsed)


async def customer(
    session: aiohttp.ClientSession,
    base: str,
    conversations: list[list[str]],
    phones: list[str],
    end: float,
    rng: random.Random,
    results: Results,
) -> None:
    """Whole conversations one after another, 2-8 s of think time before each message, until `end`."""
    await asyncio.sleep(rng.uniform(0, 8))  # arrivals spread like think time, not one thundering herd
    while time.monotonic() < end:
        sender, phone = f"load-{uuid.uuid4().hex[:12]}", rng.choice(phones)
        for text in rng.choice(conversations):
            if time.monotonic() >= end:
                return
            await send(session, base, sender, text, phone, results)
            await asyncio.sleep(rng.uniform(2, 8))


async def closed_loop(
    session: aiohttp.ClientSession, base: str, conversations: list[list[str]], phones: list[str], seed: int
) -> tuple[float, Results]:
    """Messages/s of CLOSED_LOOP_SENDERS senders writing again as soon as they are answered (after a warm-up)."""
    rng = random.Random(seed)
    results = Results()
    counted_from = time.monotonic() + CLOSED_LOOP_WARM_UP_SECONDS
    end = counted_from + CLOSED_LOOP_SECONDS
    completed = 0

    async def sender_loop() -> None:
        nonlocal completed
        while time.monotonic() < end:
            sender, phone = f"closed-{uuid.uuid4().hex[:12]}", rng.choice(phones)
            for text in rng.choice(conversations):
                if time.monotonic() >= end:
                    return
                before = len(results.latencies)
                await send(session, base, sender, text, phone, results)
                if time.monotonic() >= counted_from and len(results.latencies) > before and time.monotonic() < end:
                    completed += 1

    await asyncio.gather(*(sender_loop() for _ in range(CLOSED_LOOP_SENDERS)))
    return completed / CLOSED_LOOP_SECONDS, results


@dataclass
class HealthSampler:
    """GET /health every HEALTH_EVERY_SECONDS; latencies and failures per phase."""

    session: aiohttp.ClientSession
    base: str
    phase: str = "start"
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    async def run(self) -> None:
        while True:
            started = time.perf_counter()
            try:
                async with self.session.get(self.base + "/health") as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False
            elapsed = time.perf_counter() - started
            self.latencies.setdefault(self.phase, []).append(elapsed)
            if not ok:
                self.failures[self.phase] = self.failures.get(self.phase, 0) + 1
            await asyncio.sleep(max(0.0, HEALTH_EVERY_SECONDS - elapsed))

    def report(self, phase: str) -> str:
        values = self.latencies.get(phase, [])
        slow = sum(1 for value in values if value >= 0.1)
        return f"{len(values)} samples, {summary(values)}, {slow} at or over 100 ms, {self.failures.get(phase, 0)} not 200"


def wechat_post(openid: str, text: str, msg_id: int) -> tuple[dict[str, str], str]:
    """The query and body WeChat's server sends for a plain-mode text message now."""
    from wechatpy.utils import WeChatSigner

    timestamp, nonce = str(int(time.time())), str(uuid.uuid4().int % 10**10)
    signer = WeChatSigner()
    signer.add_data(WECHAT_TOKEN, timestamp, nonce)
    query = {"signature": signer.signature, "timestamp": timestamp, "nonce": nonce, "openid": openid}
    body = (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )
    return query, body


async def wechat_round(
    session: aiohttp.ClientSession, base: str, followers: list[str], texts: list[str], first_msg_id: int
) -> tuple[int, list[float], dict[str, int]]:
    """Every follower posts at once; (answered within the budget, latencies of answers, other outcomes)."""
    outcomes: dict[str, int] = {}
    latencies: list[float] = []

    async def post(index: int, openid: str) -> None:
        query, body = wechat_post(openid, texts[index], first_msg_id + index)
        started = time.perf_counter()
        try:
            async with session.post(base + WECHAT, params=query, data=body.encode()) as response:
                reply = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            outcomes[type(exc).__name__] = outcomes.get(type(exc).__name__, 0) + 1
            return
        elapsed = time.perf_counter() - started
        if status != 200:
            kind = f"HTTP {status}"
        elif "<Content>" not in reply:
            kind = "success (no reply in time)"
        elif elapsed > WECHAT_BUDGET_SECONDS:
            kind = "reply after 4.5 s"
        else:
            latencies.append(elapsed)
            return
        outcomes[kind] = outcomes.get(kind, 0) + 1

    await asyncio.gather(*(post(index, openid) for index, openid in enumerate(followers)))
    return len(latencies), latencies, outcomes


# --- the run ----------------------------------------------------------------------------------------------


async def rest_ready(session: aiohttp.ClientSession, base: str, phone: str) -> bool:
    """A real first message answered: the model is loaded and the whole path works."""
    async with session.post(
        base + WEBHOOK,
        json={
            "sender": f"ready-{uuid.uuid4().hex[:8]}",
            "message": "你好",
            "metadata": signed_metadata(phone, IDENTITY_SECRET, now=time.time()),
        },
    ) as response:
        return response.status == 200 and bool(await response.json(content_type=None))


async def http_ok(session: aiohttp.ClientSession, url: str) -> bool:
    async with session.get(url) as response:
        return response.status == 200


async def run(args: argparse.Namespace) -> None:
    from bot.nlu.training import find_model

    model = find_model("customer")
    directory = Path(tempfile.mkdtemp(prefix="bench-load-"))
    database_url, phones = demo_database(directory, args.customers)
    conversations = [conversation for conversation in scripted_messages() if conversation]
    rng = random.Random(7)
    print(
        f"model {model.name}; {len(conversations)} scripted conversations; {args.dialogue_workers} dialogue "
        f"workers; logs in {directory}; {load_average()}"
    )

    env = base_env(database_url)
    port = free_port()
    ours = Server(
        "retention-bot serve",
        [str(BIN / "retention-bot"), "serve", "--port", str(port), "--dialogue-workers", str(args.dialogue_workers)],
        port,
        {**env, "WECHAT_TOKEN": WECHAT_TOKEN},
        directory / "serve.log",
    )
    # Idle connections are dropped before uvicorn's 5-second keep-alive ends, so a think time never races it.
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=3)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    servers = [ours]
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        try:
            ours.start()
            seconds = await ours.wait_ready(lambda: rest_ready(session, ours.url, phones[0]))
            print(f"{ours.name} ready in {seconds:.1f} s; {load_average()}")
            health = HealthSampler(session, ours.url, phase="(a) 200 customers")
            sampler = asyncio.create_task(health.run())

            # (a) the crowd
            results = Results()
            started_load = load_average()
            end = time.monotonic() + args.minutes * 60
            await asyncio.gather(
                *(customer(session, ours.url, conversations, phones, end, rng, results) for _ in range(args.customers))
            )
            answered = len(results.latencies)
            print(
                f"(a) {args.customers} customers, think time 2-8 s, {args.minutes:g} min: {answered} answered, "
                f"{results.error_count} errors {results.errors or ''}; {summary(results.latencies)} "
                f"({answered / (args.minutes * 60):.1f} msg/s offered); {started_load} at start, {load_average()} at end"
            )
            print(f"(d) /health during (a): {health.report('(a) 200 customers')}")

            # (c) WeChat
            health.phase = "(c) WeChat"
            followers = [f"o-bench-{uuid.uuid4().hex[:20]}" for _ in range(args.followers)]
            openers = [rng.choice(conversations) for _ in followers]
            for round_index in range(2):
                texts = [lines[min(round_index, len(lines) - 1)] for lines in openers]
                within, latencies, outcomes = await wechat_round(
                    session, ours.url, followers, texts, 10**12 + round_index * 10**6
                )
                print(
                    f"(c) WeChat round {round_index + 1}: {len(followers)} followers at once → {within} answered "
                    f"within {WECHAT_BUDGET_SECONDS:g} s ({within / len(followers):.0%}); answers {summary(latencies)}; "
                    f"other {outcomes or 'none'}; {load_average()}"
                )
                await asyncio.sleep(WECHAT_BUDGET_SECONDS + 1)  # late turns finish before the next round
            print(f"(d) /health during (c): {health.report('(c) WeChat')}")

            # (b) closed loop, ours and plain Rasa alternating
            plain: list[Server] = []
            if not args.skip_plain_rasa:
                actions_port, rasa_port = free_port(), free_port()
                endpoints, credentials = plain_rasa_config(directory, actions_port)
                plain = [
                    Server(
                        "rasa run actions",
                        [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                        actions_port,
                        env,
                        directory / "rasa-actions.log",
                    ),
                    Server(
                        "rasa run",
                        [
                            str(BIN / "rasa"), "run", "--model", str(model), "--endpoints", str(endpoints),
                            "--credentials", str(credentials), "--port", str(rasa_port),
                        ],
                        rasa_port,
                        env,
                        directory / "rasa-run.log",
                    ),
                ]
                servers.extend(plain)
                health.phase = "plain Rasa loading"
                for server in plain:
                    server.start()
                await plain[0].wait_ready(lambda: http_ok(session, plain[0].url + "/health"))
                seconds = await plain[1].wait_ready(lambda: rest_ready(session, plain[1].url, phones[0]))
                print(f"plain rasa run + rasa run actions ready in {seconds:.1f} s; {load_average()}")
            rates: dict[str, list[float]] = {"ours": [], "plain": []}
            cpu: dict[str, list[float]] = {"ours": [], "plain": []}
            for round_index in range(CLOSED_LOOP_ROUNDS):
                targets = [("ours", ours, [ours])] + ([("plain", plain[1], plain)] if plain else [])
                for name, server, processes in targets:
                    health.phase = "(b) closed loop, ours" if name == "ours" else "(b) closed loop, plain Rasa"
                    cpu_before = cpu_seconds(processes)
                    rate, loop_results = await closed_loop(
                        session, server.url, conversations, phones, seed=round_index
                    )
                    cpu_per_message = (cpu_seconds(processes) - cpu_before) / max(1, len(loop_results.latencies))
                    rates[name].append(rate)
                    cpu[name].append(cpu_per_message)
                    print(
                        f"(b) closed loop, {name:5s} round {round_index + 1}: {CLOSED_LOOP_SENDERS} senders → "
                        f"{rate:.1f} msg/s, CPU {ms(cpu_per_message)}/message, {loop_results.error_count} errors "
                        f"{loop_results.errors or ''}; {summary(loop_results.latencies)}; {load_average()}"
                    )
            best_ours = max(rates["ours"])
            line = (
                f"(b) closed loop, best of {CLOSED_LOOP_ROUNDS}: ours {best_ours:.1f} msg/s "
                f"({ms(min(cpu['ours']))} CPU/message)"
            )
            if rates["plain"]:
                best_plain = max(rates["plain"])
                line += (
                    f", plain Rasa {best_plain:.1f} msg/s ({ms(min(cpu['plain']))} CPU/message, both processes); "
                    f"ratio {best_ours / best_plain:.2f}x in messages/s, "
                    f"{min(cpu['plain']) / min(cpu['ours']):.2f}x in CPU per message"
                )
            print(line)
            print(f"(d) /health during our closed loop: {health.report('(b) closed loop, ours')}")
            sampler.cancel()
        finally:
            for server in servers:
                server.stop()
    print(f"done; {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--followers", type=int, default=100)
    parser.add_argument("--skip-plain-rasa", action="store_true", help="measure our instance only")
    parser.add_argument(
        "--dialogue-workers", type=int, default=os.cpu_count() or 1, help="our instance's DIALOGUE_WORKERS (default: cores)"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
