"""Start data work: import an uploaded bar file, collection jobs, reset attempt counts."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from tc2.data.bar_files import BarFileError, BarFileFormat, BarLabel, read_bar_file
from tc2.data.bars import Resolution
from tc2.data.collection import RedisAttemptCounter
from tc2.env import MarketCalendar
from tc2.errors import ConfigurationError, ValidationFailed
from tc2.logs import LogFeed, feed_logger
from webpanel.jobs.models import Job
from webpanel.jobs.services import job_submit
from webpanel.program.selectors import program_env

MAX_UPLOAD_BYTES = 200 * 1024 * 1024

_log = feed_logger(LogFeed.DATA, "import")


def data_import_submit(
    *,
    upload: UploadedFile | None,
    file_format: str,
    symbol: str,
    timezone: str,
    label: str,
    resolution: str,
    user: AbstractBaseUser,
) -> Job:
    """Check the whole file now (422 lists every bad row), then queue the job that saves it."""
    errors: dict[str, list[str]] = {}
    if upload is None:
        errors["file"] = ["a bar file is required (multipart field 'file')"]
    elif upload.size and upload.size > MAX_UPLOAD_BYTES:
        errors["file"] = [f"larger than {MAX_UPLOAD_BYTES // 2**20} MB"]
    if errors or upload is None:
        raise ValidationFailed("The import request is invalid; nothing was imported.", errors)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "The file is not UTF-8 text.", {"file": ["not UTF-8 text"]}
        ) from None
    params: dict[str, Any] = {
        "format": file_format,
        "symbol": symbol,
        "timezone": timezone or "UTC",
        "label": label or BarLabel.START.value,
        "resolution": resolution or Resolution.MINUTE.value,
    }
    if file_format == BarFileFormat.YAHOO.value:
        params["resolution"] = Resolution.DAY.value  # Yahoo files are daily whatever was asked
    _check_file(text, params)
    folder = settings.TC2_CONFIG.data_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.txt"
    path.write_text(text)
    job = job_submit(job_type="data_import", params={**params, "path": str(path)}, user=user)
    _log.info(f"{user.get_username()} uploaded {upload.name!r} for {symbol}; job {job.id}")
    return job


def _check_file(text: str, params: dict[str, Any]) -> None:
    try:
        read_bar_file(
            text,
            file_format=BarFileFormat(params["format"]),
            symbol=params["symbol"],
            calendar=MarketCalendar.xnys(),
            resolution=Resolution(params["resolution"]),
            timezone=params["timezone"],
            label=BarLabel(params["label"]),
        )
    except (ValueError, ConfigurationError) as exc:  # bad format/label/resolution/zone values
        raise ValidationFailed("The import options are invalid.", {"options": [str(exc)]}) from None
    except BarFileError as exc:
        raise ValidationFailed(
            str(exc), {"file": [str(problem) for problem in exc.problems]}
        ) from None


def data_job_submit(*, job_type: str, params: dict[str, Any], user: AbstractBaseUser) -> Job:
    return job_submit(job_type=job_type, params=params, user=user)


def collection_attempts_reset(*, user: AbstractBaseUser) -> int:
    cleared = RedisAttemptCounter(program_env()).reset_all()
    feed_logger(LogFeed.DATA, "collector").info(f"{user.get_username()} reset collection attempts")
    return cleared
