"""The wheel carries the styles and the seed, and the app starts from a plain install."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _build_wheel(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = out.glob("rajpoot_tui-*.whl")
    return wheel


def test_wheel_contains_styles_and_seed_and_starts_headless(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "tui/styles/app.tcss" in names
    assert "tui/seed/backend-index.xml" in names
    assert "tui/app.py" in names
    assert not any(name.startswith("tests/") for name in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Let the new venv see this environment's dependencies without downloading
    # anything. A path added by a .pth line doesn't run that dir's own .pth files,
    # so the editable install of this checkout stays out of the way.
    venv_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(venv_site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
    )

    script = textwrap.dedent(
        """
        import asyncio, json, sys
        import tui, tui.app, tui.services

        async def main() -> None:
            services = tui.services.Services(browser_finder=lambda: None)
            app = tui.app.RajpootApp(services=services, refresh_on_start=False)
            async with app.run_test(size=(100, 30)) as pilot:
                # The seed import starts after the first frame: wait for it (a loaded
                # machine may take a while), bounded only as a hang guard.
                for _ in range(600):
                    await pilot.pause(0.05)
                    await app.workers.wait_for_complete()
                    if app.reader.post_list.posts:
                        break
                count = len(app.reader.post_list.posts)
                await pilot.press("q")
            print(json.dumps({"module": tui.__file__, "styles": str(tui.app.STYLES),
                              "posts": count, "code": app.return_code}))

        asyncio.run(main())
        """
    )
    home = tmp_path / "home"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    result = subprocess.run(
        [str(python), "-c", script],
        check=True,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["module"].startswith(venv_site)
    assert report["styles"] == str(Path(venv_site, "tui", "styles"))
    assert report["posts"] == 63
    assert report["code"] == 0

    version = subprocess.run(
        [str(venv / "bin" / "rajpoot-tui"), "--version"],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert version.stdout.startswith("rajpoot-tui ")
