import time
from ttp_testing import service_api_fixture
api = service_api_fixture("metrics")
def test_prof(api):
    from prometheus_client import REGISTRY
    api.get("/metrics"); time.sleep(1); api.get("/metrics")
    for _ in range(3):
        t0 = time.perf_counter(); api.get("/metrics"); print("GET", (time.perf_counter()-t0)*1000)
    for c in list(REGISTRY._collector_to_names):
        t0 = time.perf_counter(); n = sum(len(m.samples) for m in c.collect()); dt_ = (time.perf_counter()-t0)*1000
        if dt_ > 0.5: print(type(c).__name__, getattr(c, "_name", ""), n, round(dt_, 2))
    from prometheus_client import generate_latest
    t0 = time.perf_counter(); generate_latest(REGISTRY); print("generate", (time.perf_counter()-t0)*1000)
