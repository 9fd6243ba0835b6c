"""Start data work: import an uploaded bar file, collection jobs, reset attempt counts."""

from __future__ import annotations

import io
import shutil
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from tc2.data.bar_files import BarFileError, BarFileFormat, BarLabel, NonSession, iter_bar_file
from tc2.data.bars import Resolution
from tc2.data.collection import RedisAttemptCounter
from tc2.data.import_journal import MANIFEST
from tc2.env import MarketCalendar
from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.data_jobs import (
    JOURNAL_SUFFIX,
    UPLOAD_SUFFIX,
    abandon_import,
    journal_folder,
    parse_import_options,
)
from webpanel.jobs.models import ACTIVE_STATUSES, Job
from webpanel.jobs.services import job_submit
from webpanel.program.selectors import program_env

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
IMPORTS_FOLDER = "imports"  # under the data dir: uploads waiting for (or in) their import job
COPY_CHUNK_BYTES = 1024 * 1024
ORPHAN_GRACE_S = 60.0

_log = feed_logger(LogFeed.DATA, "import")


def data_import_submit(
    *, upload: UploadedFile | None, options: Mapping[str, Any], user: AbstractBaseUser
) -> Job:
    """Check the options, then the whole file as a stream (422 lists every bad row), then keep
    it under ``imports/`` and queue the job that saves it.

    The upload is never held in memory: Django spools it to a temporary file, which is read
    line by line here and copied in chunks. A refused upload leaves nothing behind.

    Raises
    ------
    ValidationFailed
        Bad options, a missing, oversized or non-UTF-8 file, or bad rows (422).
    """
    params = parse_import_options(options)
    if upload is None:
        raise ValidationFailed(
            "The import request is invalid; nothing was imported.",
            {"file": ["a bar file is required (multipart field 'file')"]},
        )
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationFailed(
            "The import request is invalid; nothing was imported.",
            {"file": [f"larger than {MAX_UPLOAD_BYTES // 2**20} MB"]},
        )
    _check_file(upload, params)
    folder = settings.TC2_CONFIG.data_dir / IMPORTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{UPLOAD_SUFFIX}"
    partial = path.with_name(path.name + ".part")
    try:
        upload.seek(0)
        with partial.open("wb") as copy:
            shutil.copyfileobj(upload, copy, COPY_CHUNK_BYTES)
        partial.replace(path)
        job = job_submit(job_type="data_import", params={**params, "path": str(path)}, user=user)
    except BaseException:
        partial.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    _log.info(
        f"{user.get_username()} uploaded {upload.name!r} for {params['symbol']}; job {job.id}"
    )
    return job


def _check_file(upload: UploadedFile, params: Mapping[str, Any]) -> None:
    upload.seek(0)
    text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline=None)
    try:
        for _ in iter_bar_file(
            text,
            file_format=BarFileFormat(params["format"]),
            symbol=params["symbol"],
            calendar=MarketCalendar.xnys(),
            resolution=Resolution(params["resolution"]),
            timezone=params["timezone"],
            label=BarLabel(params["label"]),
            non_session=NonSession(params["non_session"]),
        ):
            pass  # each session is checked as it is read; nothing is kept
    except BarFileError as exc:
        raise ValidationFailed(
            str(exc), {"file": [str(problem) for problem in exc.problems]}
        ) from None
    finally:
        text.detach()  # the upload stays open for the copy


def imports_clean(*, grace_s: float = ORPHAN_GRACE_S) -> int:
    """Remove every upload no queued or running import owns, undoing what a killed import of it
    saved; return how many uploads were cleaned. Files younger than ``grace_s`` are left: an
    upload being copied, or whose job is being recorded, has no job to show yet.
    """
    folder = settings.TC2_CONFIG.data_dir / IMPORTS_FOLDER
    if not folder.is_dir():
        return 0
    entries = list(folder.iterdir())
    if not entries:
        return 0
    active: set[str] = set()
    ended: set[str] = set()
    for status, params in Job.objects.filter(type="data_import").values_list("status", "params"):
        if isinstance(params, dict):
            (active if status in ACTIVE_STATUSES else ended).add(str(params.get("path")))
    cutoff = time.time() - grace_s
    uploads = {_upload_of(entry) for entry in entries}
    cleaned = 0
    for upload in sorted(uploads):
        if str(upload) in active:
            continue
        if str(upload) not in ended and _newest_mtime(upload) > cutoff:
            continue  # no job yet: being copied, or its job is being recorded
        restored = abandon_import(upload)
        upload.with_name(upload.name + ".part").unlink(missing_ok=True)
        cleaned += 1
        undone = f"; {restored} symbol-days it had saved were put back" if restored else ""
        _log.warning(f"removed the orphaned upload {upload.name}{undone}")
    return cleaned


def _upload_of(entry: Path) -> Path:
    name = entry.name
    for suffix in (JOURNAL_SUFFIX, ".part"):
        name = name.removesuffix(suffix)
    return entry.with_name(name)


def _newest_mtime(upload: Path) -> float:
    times = [
        path.stat().st_mtime
        for path in (
            upload,
            upload.with_name(upload.name + ".part"),
            journal_folder(upload),
            journal_folder(upload) / MANIFEST,  # appended at each batch of a running import
        )
        if path.exists()
    ]
    return max(times, default=0.0)


def data_job_submit(
    *,
    job_type: str,
    params: dict[str, Any],
    user: AbstractBaseUser,
    renamed: Mapping[str, str] | None = None,
) -> Job:
    """Queue a collection job; ``renamed`` maps job fields to the names the request used."""
    try:
        return job_submit(job_type=job_type, params=params, user=user)
    except ValidationFailed as error:
        names = renamed or {}
        raise ValidationFailed(
            error.message,
            {names.get(field, field): messages for field, messages in error.field_errors.items()},
        ) from None


def collection_attempts_reset(*, user: AbstractBaseUser) -> int:
    cleared = RedisAttemptCounter(program_env()).reset_all()
    feed_logger(LogFeed.DATA, "collector").info(f"{user.get_username()} reset collection attempts")
    return cleared
