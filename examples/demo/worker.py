"""Demo background worker: says when it is ready, then ticks."""
import time

print("worker ready", flush=True)
n = 0
while True:
    time.sleep(5)
    n += 1
    print(f"worker tick {n}", flush=True)
