import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))


from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402
from tests.datacache.harness import S3, clear_shm, moto_server  # noqa: E402


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    """A moto S3 server on loopback, one per test module."""
    yield from moto_server()


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A fresh $PODFLEET_HOME; its FUSE mounts and its MEM tiers (on /dev/shm) go with it."""
    from podfleet.datacache.fusemount import unmount_all

    path = tmp_path / "home"
    yield path
    unmount_all(path)
    clear_shm(path)


@pytest.fixture(autouse=True)
def _no_fuse_mount_outlives_a_test(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Datasets served over FUSE leave a daemon per version mounted for the dataset's life; a test's ends with it."""
    yield
    from podfleet.datacache.fusemount import unmount_all

    for home in tmp_path.glob("*"):
        if home.is_dir():
            unmount_all(home)
