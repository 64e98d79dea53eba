"""The elastic layer between the controller and the providers (DESIGN.md: placement).

It picks a zone and an instance spec for every pod the way Alibaba ECI does
(`eci-use-specs`, `eci-schedule-strategy`, `eci-fail-strategy`, the `eci-profile`
ConfigMap's zones), admits or queues it against the zone's capacity, and bills it per
second at the size it got. `PlacementProvider` is a Provider, so the controller does
not know it is there.
"""

from podfleet.placement.fleet import Fleet, Zone, default_fleet, fleet_from_profile, load_fleet
from podfleet.placement.provider import PlacementProvider
from podfleet.placement.scheduler import Placement, Scheduler, Shortage
from podfleet.placement.specs import Spec, SpecTable

__all__ = ["Fleet", "Zone", "default_fleet", "fleet_from_profile", "load_fleet", "PlacementProvider",
           "Placement", "Scheduler", "Shortage", "Spec", "SpecTable"]
