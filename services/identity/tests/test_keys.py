"""The signing keys (a key directory, no servers): generation, rotation with overlap, retention, pruning,
files no one else can read, and refusal of a read-only directory."""
import json
import os
import stat

import pytest
from joserfc import jwt

from identity.keys import KeyDirectoryReadOnly, KeyRing, main


class Clock:
    def __init__(self, now=1_800_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_a_first_key_is_generated_in_an_empty_directory_readable_by_its_owner_only(tmp_path):
    ring = KeyRing(tmp_path / "keys")
    key = ring.ensure()
    [path] = (tmp_path / "keys").glob("*.jwk.json")
    assert path.name == f"{key.kid}.jwk.json" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text())["jwk"]["d"]  # the private key is in the file ...
    [public] = ring.jwks()["keys"]
    assert public["kid"] == key.kid and "d" not in public  # ... and never in the JWKS
    assert ring.ensure().kid == key.kid  # a second start keeps it


def test_rotation_signs_with_the_new_key_and_publishes_the_old_until_its_tokens_expired(tmp_path):
    clock = Clock()
    ring = KeyRing(tmp_path, token_lifetime_seconds=900, leeway_seconds=30, clock=clock)
    old = ring.ensure()
    old_token = ring.sign({"sub": "x"})
    new = ring.rotate(activation_seconds=15)
    assert new.kid != old.kid and ring.signing_key().kid == old.kid  # published, not yet signing
    assert [k["kid"] for k in ring.jwks()["keys"]] == [new.kid, old.kid]
    clock.now += 15
    assert ring.signing_key().kid == new.kid
    assert [k["kid"] for k in ring.jwks()["keys"]] == [new.kid, old.kid]
    assert jwt.decode(old_token, ring.public_key(old.kid).key).claims["sub"] == "x"
    clock.now += 929
    assert ring.public_key(old.kid) is not None
    clock.now += 2  # 931 s after the old key stopped signing: every token of it has expired
    assert ring.public_key(old.kid) is None and [k["kid"] for k in ring.jwks()["keys"]] == [new.kid]
    assert ring.prune() == [old.kid] and len(list(tmp_path.glob("*.jwk.json"))) == 1


def test_another_instance_sees_a_rotation_of_the_shared_directory(tmp_path):
    first, second = KeyRing(tmp_path), KeyRing(tmp_path)
    first.ensure()
    second.reload(force=True)
    new = first.rotate(activation_seconds=0)
    second.reload(force=True)
    assert second.signing_key().kid == new.kid


def test_a_read_only_directory_is_not_rotated(tmp_path):
    ring = KeyRing(tmp_path)
    ring.ensure()
    tmp_path.chmod(0o500)
    try:
        if os.access(tmp_path, os.W_OK):
            pytest.skip("running as a user who writes anywhere (root)")
        with pytest.raises(KeyDirectoryReadOnly):
            ring.rotate()
    finally:
        tmp_path.chmod(0o700)


def test_the_command_line_rotates_and_lists(tmp_path, capsys):
    main(["ensure", "--key-dir", str(tmp_path)])
    main(["rotate", "--key-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert out.count("signing") >= 2 and "published" in out
