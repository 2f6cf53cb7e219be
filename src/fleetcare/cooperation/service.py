"""The cooperation domain's facade: what REST views, pages, the CLI, the demo and other edges
call.

Reads take a Session and the caller's ``Scope`` and return schemas; writes take the acting
``Principal``, leave an audit entry and never commit (the request's or command's transaction
does). The code lives by idea in ``deals`` (the stage machine's moves, shipment; the pure rules
in ``stages``), ``trade`` (figures, targets and their yearly series; ``trade_report`` converts
them for the trade pages), ``uploads`` (a page's file import), ``rates`` (the table behind the
pure ``money`` conversion), ``dashboard`` (every figure; the pure arithmetic and charts in
``figures``), ``exports`` (CSV and XLSX) and ``tables`` (import).
"""

from __future__ import annotations

from fleetcare.cooperation.dashboard import dashboard as dashboard
from fleetcare.cooperation.deals import create_deal as create_deal
from fleetcare.cooperation.deals import deal_read as deal_read
from fleetcare.cooperation.deals import list_deals as list_deals
from fleetcare.cooperation.deals import move_deal as move_deal
from fleetcare.cooperation.deals import update_deal as update_deal
from fleetcare.cooperation.exports import EXPORT_TITLES as EXPORT_TITLES
from fleetcare.cooperation.exports import EXPORTS as EXPORTS
from fleetcare.cooperation.exports import export_table as export_table
from fleetcare.cooperation.exports import unconverted_headers as unconverted_headers
from fleetcare.cooperation.rates import currencies as currencies
from fleetcare.cooperation.rates import list_rates as list_rates
from fleetcare.cooperation.rates import rate_table as rate_table
from fleetcare.cooperation.tables import COOPERATION_TABLES as COOPERATION_TABLES
from fleetcare.cooperation.tables import DEALS as DEALS
from fleetcare.cooperation.tables import EXCHANGE_RATES as EXCHANGE_RATES
from fleetcare.cooperation.tables import TRADE as TRADE
from fleetcare.cooperation.tables import TRADE_TARGETS as TRADE_TARGETS
from fleetcare.cooperation.trade import list_targets as list_targets
from fleetcare.cooperation.trade import list_trade as list_trade
from fleetcare.cooperation.trade import put_target as put_target
from fleetcare.cooperation.trade import put_trade as put_trade
from fleetcare.cooperation.trade import target_read as target_read
from fleetcare.cooperation.trade import trade_read as trade_read
from fleetcare.cooperation.trade_report import converted_trade as converted_trade
from fleetcare.cooperation.trade_report import targets_vs_actual as targets_vs_actual
from fleetcare.cooperation.uploads import import_upload as import_upload
from fleetcare.service.service import Conflict as Conflict
