"""The workforce domain's facade: what REST views, the CLI, pages, the demo and other edges
call.

Reads take a Session and the caller's ``Scope`` and return schemas; writes take the acting
``Principal``, leave an audit entry and never commit (the request's or command's transaction
does). The code lives by idea in ``people`` (technicians, days off), ``working_time`` (days
off and shifts that keep the bookings valid), ``training`` (courses,
sessions), ``certification`` (grants; the pure rules in ``ladder``), ``assignments`` (no
double booking, the supervision rule), ``crews`` (countersigning, cancelling),
``plan_problem`` and ``publish`` (the database edges of dispatch), and ``tables`` (import).
"""

from __future__ import annotations

from fleetcare.service.service import Conflict as Conflict
from fleetcare.workforce.assignments import assign as assign
from fleetcare.workforce.assignments import assignment_read as assignment_read
from fleetcare.workforce.assignments import list_assignments as list_assignments
from fleetcare.workforce.certification import grant as grant
from fleetcare.workforce.certification import ladder_read as ladder_read
from fleetcare.workforce.crews import cancel as cancel
from fleetcare.workforce.crews import countersign as countersign
from fleetcare.workforce.crews import crew_of as crew_of
from fleetcare.workforce.my_work import DAYS_AHEAD as DAYS_AHEAD
from fleetcare.workforce.my_work import linked_technician as linked_technician
from fleetcare.workforce.my_work import my_work as my_work
from fleetcare.workforce.people import create_technician as create_technician
from fleetcare.workforce.people import list_technicians as list_technicians
from fleetcare.workforce.people import technician_read as technician_read
from fleetcare.workforce.people import visible_technician_codes as visible_technician_codes
from fleetcare.workforce.plan_problem import FORMAT as FORMAT
from fleetcare.workforce.plan_problem import dispatch_problem as dispatch_problem
from fleetcare.workforce.publish import publish_plan as publish_plan
from fleetcare.workforce.tables import ATTENDANCES as ATTENDANCES
from fleetcare.workforce.tables import COURSES as COURSES
from fleetcare.workforce.tables import DAYS_OFF as DAYS_OFF
from fleetcare.workforce.tables import GRANTS as GRANTS
from fleetcare.workforce.tables import TECHNICIANS as TECHNICIANS
from fleetcare.workforce.tables import TRAINING_SESSIONS as TRAINING_SESSIONS
from fleetcare.workforce.tables import WORKFORCE_TABLES as WORKFORCE_TABLES
from fleetcare.workforce.training import create_course as create_course
from fleetcare.workforce.training import create_session as create_session
from fleetcare.workforce.training import list_courses as list_courses
from fleetcare.workforce.training import list_sessions as list_sessions
from fleetcare.workforce.training import session_read as session_read
from fleetcare.workforce.training import set_attendee as set_attendee
from fleetcare.workforce.working_time import add_day_off as add_day_off
from fleetcare.workforce.working_time import update_technician as update_technician
