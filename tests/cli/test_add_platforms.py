"""`likewatch add` with any mix of platforms: one answer a line, the good lines added."""

from tests.replay import ReplayServer


def test_add_answers_every_line_and_adds_the_good_ones(cli):
    assert cli("init", "--username", "o", "--no-input", LIKEWATCH_PASSWORD="s3cret-pass").code == 0
    with ReplayServer() as server:
        server.route("/channels", "youtube/channel_handle", when={"forHandle": "@googledevelopers"})
        server.route("/users/by", "x/users_by_unknown")
        server.route("/xrpc/app.bsky.actor.getProfile", "bluesky/profile_one")
        result = cli(
            "add",
            "--file",
            "-",
            stdin="yt:@GoogleDevelopers\n\nx:@nosuchuser_xyz\nbsky:bsky.app\n@someone\n",
            YOUTUBE_BASE_URL=server.base_url,
            YOUTUBE_API_KEY="k",
            X_BASE_URL=server.base_url,
            X_BEARER_TOKEN="t",
            BLUESKY_BASE_URL=server.base_url,
        )
    assert result.code == 1  # some lines failed
    assert "ok   yt:@GoogleDevelopers: added: Google for Developers" in result.out
    assert "subscribers 2,450,000" in result.out
    assert "ok   bsky:bsky.app: added: Bluesky" in result.out
    assert "fail x:@nosuchuser_xyz: X account @nosuchuser_xyz: Could not find user" in result.err
    assert "fail @someone:" in result.err and "prefix" in result.err
    assert "2 of 4 address(es) could not be added" in result.err


def test_add_help_explains_how_handles_are_told_apart(cli):
    result = cli("add", "--help")
    assert result.code == 0
    for form in ("yt:@HANDLE", "x:@NAME", "bsky:HANDLE", "tg:@NAME", "@USER@INSTANCE", "json:"):
        assert form in result.out
