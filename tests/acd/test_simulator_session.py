"""AMI session rules of the simulator, checked on the bytes a TCP client reads."""

from __future__ import annotations

import asyncio

from tests.acd.simhelpers import BANNER, RawAmi, client, running_sim


async def test_banner_is_glued_to_the_first_reply_and_actionid_comes_second() -> None:
    async with running_sim() as sim:
        ami = await RawAmi.connect(sim.port)
        ami.send(Action="Login", Username="acd", Secret="acd-secret", ActionID="a1")
        reply = await ami.reply("a1")
        assert ami.raw.startswith(
            BANNER
            + b"Response: Success\r\nActionID: a1\r\nMessage: Authentication accepted\r\n\r\n"
        )
        assert reply["Message"] == "Authentication accepted"
        booted = await ami.event("FullyBooted")
        assert "ActionID" not in booted and booted["Privilege"] == "system,all"
        auth = await ami.event("SuccessfulAuth")
        assert (auth["Privilege"], auth["Service"], auth["AccountID"]) == (
            "security,all",
            "AMI",
            "acd",
        )
        ami.close()


async def test_reply_without_actionid_has_no_actionid_line() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(Action="Ping")
        pong = await ami.wait_for(lambda m: m.get("Ping") == "Pong")
        assert ami.seen_raw[-1].startswith(b"Response: Success\r\nPing: Pong\r\nTimestamp: ")
        assert "ActionID" not in pong
        assert float(pong["Timestamp"]) > 0


async def test_actions_before_login_are_denied_and_not_recorded() -> None:
    async with running_sim() as sim:
        ami = await RawAmi.connect(sim.port)
        ami.send(Action="CoreShowChannels", ActionID="c")
        denied = await ami.reply("c")
        assert (denied["Response"], denied["Message"]) == ("Error", "Permission denied")
        assert sim.actions == []
        ami.close()


async def test_wrong_secret_waits_then_fails_and_closes() -> None:
    async with running_sim(time_scale=0.05) as sim:
        ami = await RawAmi.connect(sim.port)
        loop = asyncio.get_running_loop()
        started = loop.time()
        ami.send(Action="Login", Username="acd", Secret="nope", ActionID="x")
        reply = await ami.reply("x")
        assert loop.time() - started >= 0.04  # 1 s of simulated time
        assert (reply["Response"], reply["Message"]) == ("Error", "Authentication failed")
        assert await ami.reader.read() == b""
        ami.close()


async def test_second_login_is_already_authenticated() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(Action="Login", Username="acd", Secret="acd-secret", ActionID="again")
        assert (await ami.reply("again"))["Message"] == "Already authenticated"


async def test_logoff_says_goodbye_and_closes() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(Action="Logoff", ActionID="bye")
        bye = await ami.reply("bye")
        assert (bye["Response"], bye["Message"]) == ("Goodbye", "Thanks for all the fish.")
        assert await ami.reader.read() == b""


async def test_missing_and_unknown_actions() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(ActionID="m")
        missing = await ami.reply("m")
        assert missing["Message"] == "Missing action in request"
        ami.send(Action="Frobnicate", ActionID="u")
        unknown = await ami.reply("u")
        assert unknown["Response"] == "Error"
        assert unknown["Message"] == (
            "Invalid/unknown command: Frobnicate. "
            "Use Action: ListCommands to show available commands."
        )


async def test_lf_only_clients_and_lowercase_headers_are_accepted() -> None:
    async with running_sim() as sim:
        ami = await RawAmi.connect(sim.port)
        ami.writer.write(b"action: login\nusername: ACD\nsecret: acd-secret\nactionid: lf\n\n")
        assert (await ami.reply("lf"))["Message"] == "Authentication accepted"
        ami.close()


async def test_every_action_after_login_is_recorded_in_order() -> None:
    async with running_sim() as sim, client(sim) as ami:
        ami.send(Action="Ping", ActionID="1")
        ami.send(Action="Setvar", Variable="X", Value="y", ActionID="2")
        await ami.reply("2")
        assert [a["Action"] for a in sim.actions] == ["Ping", "Setvar"]
        assert sim.actions[1]["Variable"] == "X"


async def test_md5_challenge_login() -> None:
    import hashlib

    async with running_sim() as sim:
        ami = await RawAmi.connect(sim.port)
        ami.send(Action="Challenge", AuthType="MD5", ActionID="ch")
        challenge = (await ami.reply("ch"))["Challenge"]
        key = hashlib.md5((challenge + "acd-secret").encode()).hexdigest()
        ami.send(Action="Login", Username="acd", AuthType="MD5", Key=key, ActionID="k")
        assert (await ami.reply("k"))["Message"] == "Authentication accepted"
        ami.close()
