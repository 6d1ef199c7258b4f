"""The zip the GOT-10k evaluation server accepts: one folder per test sequence at the archive's top level, holding
``<seq>_001.txt`` (and ``_002``, ``_003`` when run three times) and ``<seq>_time.txt`` — the layout the got10k
package's ``ExperimentGOT10k.report`` builds with ``shutil.make_archive`` from a tracker's result folder."""
import os
import zipfile
from pathlib import Path

from core.errors import TrackingError


def write_got10k_zip(tracker_dir, sequence_names, zip_path) -> Path:
    """Zip the result folders of ``sequence_names`` under ``tracker_dir`` into ``zip_path`` (written atomically,
    entries sorted so the archive's listing does not depend on the file system)."""
    tracker_dir, zip_path = Path(tracker_dir), Path(zip_path)
    missing = [n for n in sequence_names if not (tracker_dir / n).is_dir()]
    if missing:
        raise TrackingError(f"{tracker_dir}: no results for {len(missing)} sequence(s) to zip: "
                            f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    tmp = zip_path.with_name(zip_path.name + f".tmp-{os.getpid()}")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(sequence_names):
            for path in sorted((tracker_dir / name).iterdir()):
                if path.is_file():
                    archive.write(path, f"{name}/{path.name}")
    os.replace(tmp, zip_path)
    return zip_path
