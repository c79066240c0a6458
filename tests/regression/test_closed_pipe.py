"""A reader that stops early (`| head`) made sgverify print "sgverify: error: [Errno 32]
Broken pipe" (and Python's "Exception ignored" on the flush at exit). It now says nothing
and exits 2: the report was cut short, so the run never counts as passed.

    sgverify export big.sgv | head -3
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_closed_pipe_is_quiet_and_not_a_pass(tmp_path: Path) -> None:
    rules = "\n".join(f"  ingress accept tcp {p} from 10.{p // 256}.{p % 256}.0/24"
                      for p in range(1, 3001))
    spec = tmp_path / "big.sgv"
    spec.write_text("group web {\n" + rules + "\n}\n")  # an export of ~1 MB: over a pipe's buffer
    proc = subprocess.Popen([sys.executable, "-m", "sgverify", "export", str(spec)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10).startswith(b"[")
    proc.stdout.close()  # the reader goes away, as head does
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert code == 2, err
    assert "Broken pipe" not in err and "Exception ignored" not in err and "Traceback" not in err
