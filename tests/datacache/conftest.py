import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_fuse_mount_outlives_a_test(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Datasets served over FUSE leave a daemon per version mounted for the dataset's life; a test's ends with it."""
    yield
    from podfleet.datacache.fusemount import unmount_all

    for home in tmp_path.glob("*"):
        if home.is_dir():
            unmount_all(home)
