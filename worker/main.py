"""One worker process: clients and engines built once, activities registered per task queue.

Models load before polling starts (so the first verification does not pay for them) and once
per process; ML activities are sync and run on a small thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
)
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from activities.duplicates import DuplicateFaces
from activities.images import ImageActivities
from activities.monitoring import MonitoringActivities
from activities.retention import RetentionActivities
from activities.screening import ScreeningActivities
from activities.simulation import simulate
from activities.status import StatusActivities
from activities.webhooks import WebhookActivities
from kyc.contracts import (
    ML_TASK_QUEUE,
    MONITOR_SCHEDULE_ID,
    RETENTION_SCHEDULE_ID,
    TASK_QUEUE,
    TASK_QUEUES,
)
from kyc.crypto import SealedStore
from kyc.db.engine import make_engine
from kyc.db.payload_keys import DatabasePayloadKeys
from kyc.db.sealing import ColumnSealer
from kyc.jobs import (
    MonitorInput,
    RetentionInput,
)
from kyc.metrics import BusinessCollector, MetricsServer, free_loopback_port
from kyc.netguard import UrlPolicy
from kyc.observability import configure_logging, setup_tracing
from kyc.redaction import database_fence
from kyc.settings import Settings
from kyc.status import StatusRecorder
from kyc.temporal import connect_settings
from kyc.threads import limit_native_threads, threads_per_activity
from kyc.types import (
    ScreeningCheck,
    ScreenInput,
)
from workflows.event_delivery import EventDeliveryWorkflow
from workflows.monitoring import ScreeningMonitorWorkflow
from workflows.retention import RetentionWorkflow
from workflows.screening_alert import ScreeningAlertWorkflow
from workflows.verification import VerificationWorkflow

if TYPE_CHECKING:
    from kyc.screening.snapshots import CurrentIndex

log = logging.getLogger("kyc.worker")


def _progress(message: str) -> None:
    print(f"[worker] {message}", file=sys.stderr, flush=True)


def build_image_activities(
    settings: Settings, sealed: SealedStore, duplicates: DuplicateFaces
) -> ImageActivities:
    """Load the OCR and face models (once per process) and wire them into the activities."""
    from kyc.documents.extract import extract_document
    from kyc.documents.ocr import get_engine as get_ocr
    from kyc.documents.quality import check_document_image, check_selfie_image
    from kyc.faces.engine import get_engine as get_face_engine
    from kyc.faces.engine import provision_weights

    started = time.perf_counter()
    get_ocr(settings.ocr_engine)
    provision_weights(settings.deepface_home)
    faces = get_face_engine(settings.deepface_home)
    _progress(f"models loaded in {time.perf_counter() - started:.1f} s")
    return ImageActivities(
        sealed,
        max_pixels=settings.max_image_pixels,
        min_side=settings.min_image_side,
        check_document=check_document_image,
        check_selfie=check_selfie_image,
        extract_document=extract_document,
        match_faces=faces.compare_document_selfie,
        duplicate_check=duplicates,
    )


def build_current_index(settings: Settings) -> CurrentIndex:
    """The current list snapshot's index, reloaded when a new one lands (one per process)."""
    from kyc.screening.snapshots import CurrentIndex, SnapshotStore

    return CurrentIndex(SnapshotStore(settings.object_store()))


def build_screener(current: CurrentIndex) -> Callable[[ScreenInput], ScreeningCheck]:
    """Screen against the current imported list snapshot."""
    return lambda input: current.check(input.query)


async def ensure_monitor_schedule(client: Client, settings: Settings) -> None:
    """Create the `kyc-screening-monitor` schedule, or bring its interval and inputs up to date.

    Done at worker start (the process that runs the monitor), so `kyc dev` and production
    deployments get it alike; overlapping runs are skipped.
    """
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            ScreeningMonitorWorkflow.run,
            MonitorInput(
                review_timeout_s=settings.review_timeout_s,
                review_escalation_fraction=settings.review_escalation_fraction,
            ),
            id=MONITOR_SCHEDULE_ID,  # each run's id is this plus its scheduled time
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[
                ScheduleIntervalSpec(every=timedelta(seconds=settings.monitoring_interval_s))
            ]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(MONITOR_SCHEDULE_ID, schedule)
        _progress(f"created schedule {MONITOR_SCHEDULE_ID}")
    except ScheduleAlreadyRunningError:
        await client.get_schedule_handle(MONITOR_SCHEDULE_ID).update(
            lambda _: ScheduleUpdate(schedule=schedule)
        )


RETENTION_INTERVAL = timedelta(hours=1)


async def ensure_retention_schedule(client: Client, settings: Settings) -> None:
    """The `kyc-retention` schedule when `retention_days` is set (created or brought up to
    date), none otherwise: turning the setting off deletes it, so nothing more is redacted."""
    handle = client.get_schedule_handle(RETENTION_SCHEDULE_ID)
    if settings.retention_days == 0:
        try:
            await handle.delete()
            _progress(f"deleted schedule {RETENTION_SCHEDULE_ID} (retention is off)")
        except RPCError as exc:  # none to delete (the usual case), or a server without any
            if exc.status != RPCStatusCode.NOT_FOUND:
                log.warning("schedule %s not deleted: %s", RETENTION_SCHEDULE_ID, exc.status.name)
        return
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionInput(retention_days=settings.retention_days),
            id=RETENTION_SCHEDULE_ID,  # each run's id is this plus its scheduled time
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=RETENTION_INTERVAL)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(RETENTION_SCHEDULE_ID, schedule)
        _progress(f"created schedule {RETENTION_SCHEDULE_ID} ({settings.retention_days} days)")
    except ScheduleAlreadyRunningError:
        await handle.update(lambda _: ScheduleUpdate(schedule=schedule))


def start_metrics(
    settings: Settings, business: BusinessCollector | None
) -> tuple[MetricsServer, int] | None:
    """The SDK runtime's Prometheus endpoint on a loopback port, merged with the business
    gauges into one `/metrics` on `worker_metrics_port` (must run before the client connects:
    the default runtime is what clients and workers use)."""
    from prometheus_client import CollectorRegistry

    if not settings.worker_metrics_port:
        return None
    sdk_port = free_loopback_port()
    prometheus = PrometheusConfig(bind_address=f"127.0.0.1:{sdk_port}")
    Runtime.set_default(
        Runtime(telemetry=TelemetryConfig(metrics=prometheus)), error_if_already_set=False
    )
    registry = CollectorRegistry()
    if business is not None:
        registry.register(business)
    server = MetricsServer(registry, f"http://127.0.0.1:{sdk_port}/metrics")
    try:
        port = server.start(settings.worker_metrics_host, settings.worker_metrics_port)
    except OSError as exc:  # a second stack on this machine: run on without /metrics
        log.warning("worker /metrics not served on port %s: %s", settings.worker_metrics_port, exc)
        return None
    _progress(f"metrics on http://{settings.worker_metrics_host}:{port}/metrics")
    return server, port


def snapshot_created_at(current: CurrentIndex) -> Callable[[], float | None]:
    def created() -> float | None:
        info = current.snapshots.current()
        return datetime.fromisoformat(info.created_at).timestamp() if info else None

    return created


def shutdown_options(settings: Settings) -> dict[str, Any]:
    """Graceful shutdown: running activities finish (up to the setting) instead of being
    cancelled at once, which is what the SDK does by default."""
    return {"graceful_shutdown_timeout": timedelta(seconds=settings.worker_shutdown_grace_s)}


async def run_worker(settings: Settings) -> None:
    queues = {q.strip() for q in settings.worker_queues.split(",") if q.strip()}
    unknown = queues - set(TASK_QUEUES)
    if unknown:
        raise SystemExit(f"KYC_WORKER_QUEUES has unknown queue(s): {', '.join(sorted(unknown))}")
    settings.check_secrets()
    engine = make_engine(settings.resolved_database_url)
    current = build_current_index(settings) if TASK_QUEUE in queues else None
    business = (
        BusinessCollector(engine, snapshot_created_at(current)) if current is not None else None
    )
    metrics = start_metrics(settings, business)
    client = await connect_settings(settings, DatabasePayloadKeys(engine))
    workers: list[Worker] = []
    if current is not None:
        status = StatusActivities(
            StatusRecorder(engine, ColumnSealer(settings.master_keys), settings.master_keys)
        )
        screening = ScreeningActivities(engine, settings.master_keys, build_screener(current))
        webhooks = WebhookActivities(
            engine,
            ColumnSealer(settings.master_keys),
            timeout_s=settings.webhook_timeout_s,
            policy=UrlPolicy.of(settings.environment, settings.webhook_allow_local_receivers),
            client=client,
            task_queue=settings.task_queue,
        )
        monitoring = MonitoringActivities(
            engine,
            ColumnSealer(settings.master_keys),
            settings.master_keys,
            screen=current.check,
            current_snapshot=current.snapshots.current_id,
            client=client,
        )
        retention = RetentionActivities(
            engine,
            SealedStore(settings.object_store(), settings.master_keys),
            client,
            sealer=ColumnSealer(settings.master_keys),
            task_queue=settings.task_queue,
        )
        workers.append(
            Worker(
                client,
                task_queue=settings.task_queue,
                workflows=[
                    VerificationWorkflow,
                    ScreeningMonitorWorkflow,
                    ScreeningAlertWorkflow,
                    EventDeliveryWorkflow,
                    RetentionWorkflow,
                ],
                activities=[
                    status.decide,
                    status.record_status,
                    screening.screen,
                    webhooks.deliver_events,
                    monitoring.monitoring_plan,
                    monitoring.rescreen_verified,
                    monitoring.start_alert_reviews,
                    monitoring.complete_monitoring,
                    simulate,  # test mode's outcomes: no engine, so on this queue
                    retention.redact_expired,
                ],
                **shutdown_options(settings),
            )
        )
        await ensure_monitor_schedule(client, settings)
        await ensure_retention_schedule(client, settings)
    if ML_TASK_QUEUE in queues:
        store = settings.object_store()
        images = build_image_activities(
            settings,
            SealedStore(store, settings.master_keys, fence=database_fence(engine)),
            DuplicateFaces(
                engine, ColumnSealer(settings.master_keys), settings.master_keys, "Dlib"
            ),
        )
        workers.append(
            Worker(
                client,
                task_queue=settings.ml_task_queue,
                activities=[images.capture, images.extract, images.match],
                activity_executor=ThreadPoolExecutor(settings.ml_activity_threads),
                max_concurrent_activities=settings.ml_activity_threads,
                **shutdown_options(settings),
            )
        )
    _progress(f"polling {', '.join(sorted(queues))} on {settings.resolved_temporal_address}")

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runs = [asyncio.create_task(w.run()) for w in workers]
    await stop.wait()
    _progress("shutting down (finishing running activities)")
    await asyncio.gather(*(w.shutdown() for w in workers))
    await asyncio.gather(*runs, return_exceptions=True)
    if metrics is not None:
        metrics[0].stop()


def main() -> None:
    settings = Settings.load()
    configure_logging(settings.log_format)
    setup_tracing(settings.otlp_traces_endpoint, "kycflow-worker")
    os.environ.setdefault("DEEPFACE_HOME", str(settings.deepface_home))
    if ML_TASK_QUEUE in settings.worker_queues:
        cores = settings.ml_cores or os.cpu_count() or 1
        limit_native_threads(threads_per_activity(cores, settings.ml_activity_threads))
    code = 0
    try:
        asyncio.run(run_worker(settings))
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # sdk-python#300: avoid aborts in interpreter teardown
