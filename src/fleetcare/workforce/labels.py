"""The words people read for the workforce domain's codes (``core.labels``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from fleetcare.core.i18n import N_
from fleetcare.workforce.ladder import Level, Missing
from fleetcare.workforce.models import CourseKind, Result, TechnicianKind

LABELS: Mapping[enum.Enum, str] = {
    Level.trainee: N_("Trainee"),
    Level.certified: N_("Certified"),
    Level.trainer: N_("Trainer"),
    Missing.not_trainee: N_("Not a trainee"),
    Missing.supervised_jobs: N_("Supervised jobs"),
    Missing.practical: N_("Practical"),
    TechnicianKind.engineer: N_("Maker's engineer"),
    TechnicianKind.local: N_("Local technician"),
    CourseKind.theory: N_("Theory"),
    CourseKind.practical: N_("Practical"),
    CourseKind.on_the_job: N_("On the job"),
    Result.enrolled: N_("Enrolled"),
    Result.passed: N_("Passed"),
    Result.failed: N_("Failed"),
}
