"""Which tracker class runs a network of each model kind (shared by the torch builder and the onnxruntime
loader, so neither imports the other's library)."""
from tracker.dcf import DCFTracker
from tracker.siamfc import SiamFCTracker
from tracker.siamrpn import SiamRPNTracker

TRACKERS_BY_KIND = {"siamfc": SiamFCTracker, "siamrpn": SiamRPNTracker, "dcf": DCFTracker}
